// Agent console: queue, context card and live conversation. Talks only to our own web service.
// Everything that comes from the server is rendered with textContent, never as HTML.
(function () {
  "use strict";

  const ACTIVE = ["waiting", "claimed"];
  const STATUS_TEXT = {
    waiting: "wartet",
    claimed: "übernommen",
    resolved: "erledigt",
    handed_back: "an Assistenten zurückgegeben",
    ticket: "Ticket erstellt",
  };
  const ROLE_TEXT = {user: "Anfragende Person", bot: "Assistent", agent: "Service Desk", system: "System"};
  const LANGUAGE_TEXT = {de: "Deutsch", en: "Englisch"};
  const TICKET_STATE_TEXT = {
    open: "offen",
    in_progress: "in Bearbeitung",
    closed: "erledigt",
    forwarded: "per E-Mail übergeben",
    pending: "wartet auf Ticketsystem",
  };
  // Fallback only: the record brings its own labels (detail_labels) from the server's single source.
  const DETAIL_LABELS = {description: "Beschreibung", system: "Gerät/System", urgency: "Dringlichkeit", contact: "Erreichbar"};
  const TEXT = {
    offline: "Der Server ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
    failed: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
    loginFailed: "Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort.",
    loginMissing: "Bitte geben Sie Benutzername und Passwort ein.",
    expired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
    reconnecting: "Live-Aktualisierung unterbrochen – neuer Versuch läuft …",
    emptyReply: "Bitte geben Sie eine Antwort ein.",
  };

  const $ = function (id) { return document.getElementById(id); };
  const el = {
    userbox: $("userbox"), agentName: $("agent-name"), logout: $("logout"),
    announcer: $("announcer"), error: $("error"), connection: $("connection"),
    loginView: $("login-view"), loginForm: $("login-form"), username: $("username"), password: $("password"),
    loginError: $("login-error"), noRole: $("no-role"), noRoleText: $("no-role-text"),
    workspace: $("workspace"), tabQueue: $("tab-queue"), tabTickets: $("tab-tickets"),
    queuePanel: $("queue-panel"), ticketsPanel: $("tickets-panel"), queue: $("queue"), queueEmpty: $("queue-empty"),
    queueCount: $("queue-count"), ticketsBody: $("tickets-body"), ticketsEmpty: $("tickets-empty"),
    ticketsReload: $("tickets-reload"),
    detailTitle: $("detail-title"), detailPlaceholder: $("detail-placeholder"), detailBody: $("detail-body"),
    detailStatus: $("detail-status"), detailMeta: $("detail-meta"),
    claim: $("claim"), resolve: $("resolve"), handback: $("handback"), toTicket: $("to-ticket"),
    ticketNumber: $("ticket-number"),
    ctxSummary: $("ctx-summary"), ctxFacts: $("ctx-facts"), ctxArticles: $("ctx-articles"),
    ctxIntents: document.querySelector("#ctx-intents tbody"),
    transcript: $("transcript"), messages: $("messages"), messagesEmpty: $("messages-empty"),
    replyForm: $("reply-form"), reply: $("reply"), send: $("send"), insertArticle: $("insert-article"),
    kbSearch: $("kb-search"), kbForm: $("kb-form"), kbQuery: $("kb-query"), kbStatus: $("kb-status"),
    kbHits: $("kb-hits"),
  };

  const state = {
    csrf: "",
    user: null,
    session: 0,          // bumps on login/logout: stale loops and responses see a different number and stop
    sessionAbort: null,  // aborts the queue long-poll on logout
    revision: 0,
    queue: [],
    queueFetchedAt: 0,
    knownIds: null,      // ids seen in the queue; null until the first load (nothing to announce then)
    selectedId: null,
    record: null,
    recordFetchedAt: 0,
    lastMessageId: 0,
    watch: 0,            // bumps whenever the open escalation changes: stops the old message long-poll
    watchAbort: null,
    polling: null,       // id whose messages are being long-polled
    claimedByMe: new Set(),
    busy: false,         // a claim/resolve/handback/ticket call is on its way
    sending: false,      // a reply is on its way
  };

  // ---------------------------------------------------------------- helpers

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body, signal) {
    const headers = {"Accept": "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET") { headers["X-CSRF-Token"] = state.csrf || ""; }
    let resp;
    try {
      resp = await fetch(path, {
        method: method,
        headers: headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal,
      });
    } catch (e) {
      if (e && e.name === "AbortError") { throw e; }
      throw new ApiError(0, TEXT.offline, null);
    }
    let data = null;
    try { data = await resp.json(); } catch (_) { data = null; }
    if (!resp.ok) {
      const message = data && typeof data.error === "string" && data.error ? data.error : TEXT.failed;
      throw new ApiError(resp.status, message, data);
    }
    return data || {};
  }

  function isAbort(e) { return e && e.name === "AbortError"; }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // Only links to our own article pages; anything else (javascript:, other sites …) is shown as text.
  function safeUrl(value) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      const url = new URL(value, window.location.origin);
      const ours = url.origin === window.location.origin && url.pathname.indexOf("/kb/") === 0;
      return ours && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function link(url, text) {
    const href = safeUrl(url);
    if (!href) { return make("span", "", text); }
    const a = make("a", "", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Claimed (or closed) escalations keep the time the employee waited until then.
  function waitedText(seconds) {
    return "Wartezeit " + waitText(seconds).replace(/^seit /, "");
  }

  function waitText(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    if (s < 60) { return "seit weniger als 1 Min."; }
    const minutes = Math.floor(s / 60);
    if (minutes < 60) { return "seit " + minutes + " Min."; }
    const hours = Math.floor(minutes / 60);
    return "seit " + hours + " Std. " + (minutes % 60) + " Min.";
  }

  function toDate(value) {
    if (value === null || value === undefined || value === "") { return null; }
    // Rasa's transcript uses Unix seconds; our records use ISO 8601.
    const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return isNaN(d.getTime()) ? null : d;
  }

  function timeText(value) {
    const d = toDate(value);
    return d ? d.toLocaleTimeString("de-DE", {hour: "2-digit", minute: "2-digit"}) : "";
  }

  function dateTimeText(value) {
    const d = toDate(value);
    return d ? d.toLocaleString("de-DE", {dateStyle: "short", timeStyle: "short"}) : "";
  }

  function languageText(code) { return LANGUAGE_TEXT[code] || (code ? String(code) : "unbekannt"); }

  function statusText(status, agentName) {
    if (status === "claimed") { return agentName ? "übernommen von " + agentName : STATUS_TEXT.claimed; }
    return STATUS_TEXT[status] || String(status || "");
  }

  function announce(text) {
    const p = make("p", "", text);
    el.announcer.appendChild(p);
    while (el.announcer.childNodes.length > 5) { el.announcer.removeChild(el.announcer.firstChild); }
  }

  function showError(message) {
    el.error.textContent = message || TEXT.failed;
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.error.textContent = "";
  }

  // The one place that decides what a failed call means for the page.
  function handleError(e) {
    if (isAbort(e)) { return; }
    if (e && e.status === 401) { sessionExpired(); return; }
    showError(e && e.message ? e.message : TEXT.failed);
  }

  // ---------------------------------------------------------------- views

  function showView(name) {
    el.loginView.hidden = name !== "login";
    el.noRole.hidden = name !== "no-role";
    el.workspace.hidden = name !== "workspace";
    el.userbox.hidden = name === "login";
  }

  function showLogin(message) {
    stopAll();
    state.user = null;
    state.csrf = "";
    showView("login");
    clearError();
    el.connection.textContent = "";
    el.loginError.hidden = !message;
    el.loginError.textContent = message || "";
    el.password.value = "";
    document.title = "IT-Service-Desk – Konsole";
    el.username.focus();
  }

  function sessionExpired() { showLogin(TEXT.expired); }

  function showNoRole(serverMessage) {
    stopAll();
    showView("no-role");
    const name = state.user ? state.user.display_name || state.user.username : "";
    el.noRoleText.textContent = "Ihr Konto" + (name ? " „" + name + "“" : "") + " hat nicht die Rolle „Agent“. " +
      "Die Konsole ist nur für Agentinnen und Agenten des Service Desks." +
      (serverMessage ? " (" + serverMessage + ")" : "");
    $("no-role-title").focus();
  }

  function stopAll() {
    state.session += 1;
    if (state.sessionAbort) { state.sessionAbort.abort(); }
    state.sessionAbort = null;
    stopWatching();
    state.queue = [];
    clear(el.queue);
    state.knownIds = null;
    state.selectedId = null;
    state.record = null;
    state.claimedByMe.clear();
    resetDetail();
  }

  function resetDetail() {
    el.detailTitle.textContent = "Anfrage";
    el.detailPlaceholder.hidden = false;
    el.detailBody.hidden = true;
    clear(el.messages);
    clear(el.transcript);
    clear(el.kbHits);
    el.kbStatus.textContent = "";
    el.reply.value = "";
    el.ticketNumber.textContent = "";
    closeSearch();
  }

  // ---------------------------------------------------------------- login

  async function enter(data) {
    state.user = data.user || {};
    state.csrf = data.csrf_token || "";
    stopAll();
    const session = state.session;
    state.sessionAbort = new AbortController();
    el.agentName.textContent = state.user.display_name || state.user.username || "";
    el.loginError.hidden = true;
    clearError();
    try {
      await loadQueue(session);
    } catch (e) {
      if (session !== state.session) { return; }
      if (e && e.status === 403) { showNoRole(e.message); return; }
      if (e && e.status === 401) { sessionExpired(); return; }
      showView("workspace");
      handleError(e);
      return;
    }
    if (session !== state.session) { return; }
    showView("workspace");
    selectTab("queue", false);
    pollChanges(session);
    const fromHash = /^#anfrage-(\d+)$/.exec(window.location.hash);
    if (fromHash) { openEscalation(Number(fromHash[1]), false); }
  }

  el.loginForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const username = el.username.value.trim();
    const password = el.password.value;
    if (!username || !password) {
      el.loginError.textContent = TEXT.loginMissing;
      el.loginError.hidden = false;
      (username ? el.password : el.username).focus();
      return;
    }
    const button = el.loginForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const data = await api("POST", "/api/auth/login", {username: username, password: password});
      el.password.value = "";
      await enter(data);
    } catch (e) {
      el.password.value = "";
      el.loginError.textContent = e.status === 401 ? (e.body && e.body.error) || TEXT.loginFailed : e.message;
      el.loginError.hidden = false;
      el.password.focus();
    } finally {
      button.disabled = false;
    }
  });

  el.logout.addEventListener("click", async function () {
    try {
      await api("POST", "/api/auth/logout", {});
    } catch (e) {
      if (!isAbort(e) && e.status !== 401) { showError(e.message); return; }
    }
    history.replaceState(null, "", window.location.pathname);
    showLogin("");
  });

  // ---------------------------------------------------------------- tabs

  function selectTab(name, focus) {
    const queue = name === "queue";
    el.tabQueue.setAttribute("aria-selected", String(queue));
    el.tabTickets.setAttribute("aria-selected", String(!queue));
    el.tabQueue.tabIndex = queue ? 0 : -1;
    el.tabTickets.tabIndex = queue ? -1 : 0;
    el.queuePanel.hidden = !queue;
    el.ticketsPanel.hidden = queue;
    if (focus) { (queue ? el.tabQueue : el.tabTickets).focus(); }
    if (!queue) { loadTickets(); }
  }

  el.tabQueue.addEventListener("click", function () { selectTab("queue", false); });
  el.tabTickets.addEventListener("click", function () { selectTab("tickets", false); });
  [el.tabQueue, el.tabTickets].forEach(function (tab) {
    tab.addEventListener("keydown", function (ev) {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].indexOf(ev.key) === -1) { return; }
      ev.preventDefault();
      const toTickets = ev.key === "End" || ((ev.key === "ArrowRight" || ev.key === "ArrowLeft") && tab === el.tabQueue);
      selectTab(toTickets ? "tickets" : "queue", true);
    });
  });
  el.ticketsReload.addEventListener("click", function () { loadTickets(); });

  // ---------------------------------------------------------------- queue

  async function loadQueue(session) {
    const data = await api("GET", "/api/escalations?status=waiting,claimed", undefined,
      state.sessionAbort ? state.sessionAbort.signal : undefined);
    if (session !== state.session) { return; }
    if (typeof data.revision === "number") { state.revision = data.revision; }
    const items = Array.isArray(data.escalations) ? data.escalations.slice() : [];
    // Oldest first, whatever order the server sends.
    items.sort(function (a, b) {
      const ta = toDate(a.created_at), tb = toDate(b.created_at);
      const diff = (ta ? ta.getTime() : 0) - (tb ? tb.getTime() : 0);
      return diff !== 0 ? diff : (a.id || 0) - (b.id || 0);
    });
    announceNew(items);
    state.queue = items;
    state.queueFetchedAt = Date.now();
    renderQueue();
  }

  function announceNew(items) {
    const ids = new Set(items.map(function (e) { return e.id; }));
    if (state.knownIds) {
      items.forEach(function (e) {
        if (!state.knownIds.has(e.id) && e.status === "waiting") {
          const first = Array.isArray(e.summary) && e.summary[0] ? ": " + e.summary[0] : "";
          announce("Neue Anfrage in der Warteschlange (" + (e.reason_label || e.reason || "") + ")" + first);
        }
      });
    }
    state.knownIds = ids;
  }

  function queueEntry(e, elapsed) {
    const li = make("li");
    const btn = make("button", "entry status-" + (e.status || ""));
    btn.type = "button";
    btn.dataset.id = String(e.id);
    if (e.id === state.selectedId) { btn.setAttribute("aria-current", "true"); }

    const top = make("span", "entry-top");
    const wait = make("span", "wait");
    wait.dataset.seconds = String(e.waiting_seconds || 0);
    wait.dataset.running = e.status === "waiting" ? "1" : "0";
    wait.textContent = e.status === "waiting" ? waitText((e.waiting_seconds || 0) + elapsed) : waitedText(e.waiting_seconds);
    top.appendChild(wait);
    top.appendChild(make("span", "badge badge-" + (e.status || ""), statusText(e.status, e.agent_name)));
    btn.appendChild(top);

    const meta = make("span", "entry-meta");
    meta.appendChild(make("span", "", e.reason_label || e.reason || ""));
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(make("span", "", languageText(e.language)));
    meta.appendChild(document.createTextNode(" · Nr. " + e.id));
    btn.appendChild(meta);

    const first = Array.isArray(e.summary) && e.summary.length ? e.summary[0] : "";
    btn.appendChild(make("span", "entry-summary", first));
    btn.addEventListener("click", function () { openEscalation(e.id, true); });
    li.appendChild(btn);
    return li;
  }

  function renderQueue() {
    // Keep keyboard focus on the same entry across re-renders.
    const focused = document.activeElement && el.queue.contains(document.activeElement)
      ? document.activeElement.dataset.id : null;
    clear(el.queue);
    const elapsed = (Date.now() - state.queueFetchedAt) / 1000;
    state.queue.forEach(function (e) { el.queue.appendChild(queueEntry(e, elapsed)); });
    el.queueEmpty.hidden = state.queue.length > 0;
    const waiting = state.queue.filter(function (e) { return e.status === "waiting"; }).length;
    el.queueCount.textContent = waiting ? "(" + waiting + " wartend)" : "";
    document.title = (waiting ? "(" + waiting + ") " : "") + "IT-Service-Desk – Konsole";
    if (focused) {
      const again = el.queue.querySelector('[data-id="' + CSS.escape(focused) + '"]');
      if (again) { again.focus(); }
    }
  }

  // Waiting times tick on without asking the server.
  setInterval(function () {
    const elapsed = (Date.now() - state.queueFetchedAt) / 1000;
    el.queue.querySelectorAll(".wait").forEach(function (node) {
      const base = Number(node.dataset.seconds) || 0;
      node.textContent = node.dataset.running === "1" ? waitText(base + elapsed) : waitedText(base);
    });
    if (state.record) { renderMeta(state.record); }
  }, 20000);

  // Long-poll: the server answers when the revision changes (or after ~25 s with the same one).
  async function pollChanges(session) {
    let delay = 1000;
    while (session === state.session) {
      const started = Date.now();
      try {
        const data = await api("GET", "/api/escalations/changes?since=" + encodeURIComponent(state.revision),
          undefined, state.sessionAbort.signal);
        if (session !== state.session) { return; }
        el.connection.textContent = "";
        delay = 1000;
        if (typeof data.revision === "number" && data.revision !== state.revision) {
          state.revision = data.revision;
          await refreshAll(session);
        } else if (Date.now() - started < 1000) {
          await sleep(1000);  // a server that answers at once must not make us spin
        }
      } catch (e) {
        if (session !== state.session || isAbort(e)) { return; }
        if (e.status === 401) { sessionExpired(); return; }
        if (e.status === 403) { showNoRole(e.message); return; }
        el.connection.textContent = TEXT.reconnecting;
        await sleep(delay);
        delay = Math.min(delay * 2, 30000);
      }
    }
  }

  async function refreshAll(session) {
    try {
      await loadQueue(session);
      if (session !== state.session) { return; }
      if (state.selectedId !== null) { await loadRecord(state.selectedId, false); }
      if (!el.ticketsPanel.hidden) { await loadTickets(); }
    } catch (e) {
      if (session === state.session) { handleError(e); }
    }
  }

  // ---------------------------------------------------------------- tickets

  async function loadTickets() {
    const session = state.session;
    try {
      const data = await api("GET", "/api/tickets");
      if (session !== state.session) { return; }
      const tickets = Array.isArray(data.tickets) ? data.tickets : [];
      clear(el.ticketsBody);
      tickets.forEach(function (t) {
        const tr = make("tr");
        const number = make("td", "mono", t.number || "");
        const sink = make("span", "muted", t.sink ? " (" + t.sink + ")" : "");
        number.appendChild(sink);
        tr.appendChild(number);
        tr.appendChild(make("td", "", t.title || ""));
        tr.appendChild(make("td", "", TICKET_STATE_TEXT[t.status] || t.status || ""));
        tr.appendChild(make("td", "", dateTimeText(t.created_at)));
        el.ticketsBody.appendChild(tr);
      });
      el.ticketsEmpty.hidden = tickets.length > 0;
    } catch (e) {
      if (session === state.session) { handleError(e); }
    }
  }

  // ---------------------------------------------------------------- one escalation

  async function openEscalation(id, focus) {
    if (state.selectedId !== id) {
      stopWatching();
      state.selectedId = id;
      state.record = null;
      state.lastMessageId = 0;
      clear(el.messages);
      el.messagesEmpty.hidden = false;
      clear(el.kbHits);
      el.kbStatus.textContent = "";
      el.reply.value = "";
    }
    el.queue.querySelectorAll("[data-id]").forEach(function (b) {
      if (b.dataset.id === String(id)) { b.setAttribute("aria-current", "true"); } else { b.removeAttribute("aria-current"); }
    });
    history.replaceState(null, "", "#anfrage-" + id);
    clearError();
    try {
      await loadRecord(id, true);
    } catch (e) {
      handleError(e);
      return;
    }
    if (focus && state.selectedId === id) { el.detailTitle.focus(); }
  }

  async function loadRecord(id, initial) {
    const session = state.session;
    const record = await api("GET", "/api/escalations/" + encodeURIComponent(id));
    if (session !== state.session || state.selectedId !== id) { return; }
    showRecord(record, initial);
  }

  function isMine(record) {
    if (record.status !== "claimed") { return false; }
    if (state.claimedByMe.has(record.id)) { return true; }
    const me = state.user || {};
    return !!record.agent_name && (record.agent_name === me.display_name || record.agent_name === me.username);
  }

  function showRecord(record, initial) {
    state.record = record;
    state.recordFetchedAt = Date.now();
    el.detailPlaceholder.hidden = true;
    el.detailBody.hidden = false;
    el.detailTitle.textContent = "Anfrage Nr. " + record.id;
    renderMeta(record);
    renderActions(record);
    renderContext(record);
    renderTranscript(record.transcript);
    addMessages(record.messages, !initial);
    if (typeof record.last_message_id === "number" && record.last_message_id > state.lastMessageId) {
      state.lastMessageId = record.last_message_id;
    }
    if (ACTIVE.indexOf(record.status) !== -1) { watchMessages(record.id); } else { stopWatching(); }
  }

  function renderMeta(record) {
    el.detailStatus.textContent = statusText(record.status, record.agent_name);
    el.detailStatus.className = "badge badge-" + (record.status || "");
    const parts = [];
    if (record.status === "waiting") {
      const elapsed = (Date.now() - state.recordFetchedAt) / 1000;
      parts.push("wartet " + waitText((record.waiting_seconds || 0) + elapsed));
    } else if (record.created_at) {
      parts.push("eingegangen " + dateTimeText(record.created_at));
    }
    if (record.claimed_at) { parts.push("übernommen " + timeText(record.claimed_at)); }
    if (record.closed_at) { parts.push("abgeschlossen " + dateTimeText(record.closed_at)); }
    el.detailMeta.textContent = parts.join(" · ");
  }

  function renderActions(record) {
    const active = ACTIVE.indexOf(record.status) !== -1;
    const mine = isMine(record);
    el.claim.hidden = record.status !== "waiting";
    el.claim.disabled = state.busy;
    el.resolve.disabled = state.busy || !mine;
    el.handback.disabled = state.busy || !mine;
    el.toTicket.disabled = state.busy || !active || (record.status === "claimed" && !mine) || !!record.ticket_number;
    el.reply.disabled = !mine;
    el.send.disabled = state.busy || state.sending || !mine;
    el.insertArticle.disabled = !mine;
    if (!mine) { closeSearch(); }
    el.ticketNumber.textContent = record.ticket_number ? "Ticket: " + record.ticket_number : "";
    let hint = "Mit Strg+Eingabe senden.";
    if (record.status === "waiting") { hint = "Übernehmen Sie die Anfrage, um zu antworten."; }
    else if (record.status === "claimed" && !mine) { hint = "Diese Anfrage bearbeitet " + (record.agent_name || "eine andere Person") + "."; }
    else if (!active) { hint = "Die Anfrage ist abgeschlossen."; }
    $("reply-hint").textContent = hint;
  }

  function fact(dl, label, value) {
    dl.appendChild(make("dt", "", label));
    dl.appendChild(make("dd", value ? "" : "muted", value || "nicht angegeben"));
  }

  function renderContext(record) {
    clear(el.ctxSummary);
    (Array.isArray(record.summary) ? record.summary : []).forEach(function (line) {
      el.ctxSummary.appendChild(make("li", "", line));
    });

    clear(el.ctxFacts);
    fact(el.ctxFacts, "Grund", record.reason_label || record.reason);
    fact(el.ctxFacts, "Sprache", languageText(record.language));
    const details = record.details || {};
    const labels = record.detail_labels && typeof record.detail_labels === "object" ? record.detail_labels : DETAIL_LABELS;
    Object.keys(DETAIL_LABELS).forEach(function (key) { fact(el.ctxFacts, labels[key] || DETAIL_LABELS[key], details[key]); });
    if (record.ticket_number) { fact(el.ctxFacts, "Ticket", record.ticket_number); }

    clear(el.ctxArticles);
    const articles = Array.isArray(record.articles) ? record.articles : [];
    if (!articles.length) { el.ctxArticles.appendChild(make("li", "muted", "keine")); }
    articles.forEach(function (a) {
      const li = make("li");
      li.appendChild(link(a.url, a.title || a.slug || ""));
      li.appendChild(document.createTextNode(" – "));
      li.appendChild(make("span", "verdict verdict-" + (a.verdict || ""), a.verdict_label || a.verdict || ""));
      el.ctxArticles.appendChild(li);
    });

    clear(el.ctxIntents);
    const intents = Array.isArray(record.intents) ? record.intents : [];
    if (!intents.length) {
      const tr = make("tr");
      const td = make("td", "muted", "keine");
      td.colSpan = 3;
      tr.appendChild(td);
      el.ctxIntents.appendChild(tr);
    }
    intents.forEach(function (i) {
      const tr = make("tr");
      tr.appendChild(make("td", "", i.text || ""));
      tr.appendChild(make("td", "mono", i.intent || "–"));
      const confidence = typeof i.confidence === "number"
        ? Math.round(i.confidence * 100).toLocaleString("de-DE") + " %" : "–";
      tr.appendChild(make("td", "num", confidence));
      el.ctxIntents.appendChild(tr);
    });
  }

  function messageItem(role, text, when, extra) {
    const li = make("li", "msg " + (ROLE_TEXT[role] ? role : "system"));
    const head = make("span", "msg-head");
    head.appendChild(make("span", "who", extra && extra.who ? extra.who : ROLE_TEXT[role] || role));
    const t = timeText(when);
    if (t) { head.appendChild(make("span", "when", t)); }
    li.appendChild(head);
    li.appendChild(make("span", "msg-text", text || ""));
    return li;
  }

  function renderTranscript(items) {
    clear(el.transcript);
    const list = Array.isArray(items) ? items : [];
    if (!list.length) { el.transcript.appendChild(make("li", "muted", "Kein Verlauf vorhanden.")); }
    list.forEach(function (m) { el.transcript.appendChild(messageItem(m.role, m.text, m.ts)); });
  }

  function messageNode(m) {
    const data = m.data && typeof m.data === "object" ? m.data : {};
    const agent = [data.agent, data.agent_name].filter(function (v) { return typeof v === "string" && v; })[0] || "";
    const li = messageItem(m.role, m.text, m.created_at, m.role === "agent" && agent ? {who: "Service Desk – " + agent} : null);
    li.dataset.id = String(m.id);
    if (data.article && data.article.url) {
      const p = make("span", "msg-extra");
      p.appendChild(link(data.article.url, data.article.title || data.article.url));
      li.appendChild(p);
    }
    if (Array.isArray(data.buttons) && data.buttons.length) {
      const titles = data.buttons.map(function (b) { return b && b.title ? String(b.title) : ""; });
      li.appendChild(make("span", "msg-extra muted", "Auswahl: " + titles.filter(Boolean).join(" | ")));
    }
    return li;
  }

  // Merge messages by id (the record and the long-poll may both deliver one); announce the employee's.
  function addMessages(list, announceNew) {
    if (!Array.isArray(list)) { return; }
    let added = false;
    list.forEach(function (m) {
      if (!m || m.id === undefined || m.id === null) { return; }
      const id = Number(m.id);
      if (el.messages.querySelector('[data-id="' + CSS.escape(String(id)) + '"]')) { return; }
      const node = messageNode(m);
      let before = null;
      for (const child of el.messages.children) {
        if (Number(child.dataset.id) > id) { before = child; break; }
      }
      el.messages.insertBefore(node, before);
      if (id > state.lastMessageId) { state.lastMessageId = id; }
      added = true;
      if (announceNew && m.role === "user") { announce("Neue Nachricht der anfragenden Person: " + (m.text || "")); }
    });
    el.messagesEmpty.hidden = el.messages.children.length > 0;
    if (added) { el.messages.scrollTop = el.messages.scrollHeight; }
  }

  function stopWatching() {
    state.watch += 1;
    if (state.watchAbort) { state.watchAbort.abort(); }
    state.watchAbort = null;
    state.polling = null;
  }

  function watchMessages(id) {
    if (state.polling === id) { return; }
    stopWatching();
    state.polling = id;
    state.watchAbort = new AbortController();
    pollMessages(id, state.watch, state.watchAbort.signal);
  }

  async function pollMessages(id, watch, signal) {
    let delay = 1000;
    while (watch === state.watch) {
      const started = Date.now();
      try {
        const data = await api("GET", "/api/escalations/" + encodeURIComponent(id) + "/messages?after=" +
          encodeURIComponent(state.lastMessageId), undefined, signal);
        if (watch !== state.watch) { return; }
        delay = 1000;
        const list = Array.isArray(data.messages) ? data.messages : [];
        addMessages(list, true);
        if (!list.length && Date.now() - started < 1000) { await sleep(1000); }
      } catch (e) {
        if (watch !== state.watch || isAbort(e)) { return; }
        if (e.status === 401) { sessionExpired(); return; }
        if (e.status === 403 || e.status === 404) { return; }
        await sleep(delay);
        delay = Math.min(delay * 2, 30000);
      }
    }
  }

  // ---------------------------------------------------------------- actions

  async function act(path, button, done) {
    const record = state.record;
    if (!record || state.busy) { return; }
    const id = record.id;
    state.busy = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    clearError();
    try {
      const result = await api("POST", "/api/escalations/" + encodeURIComponent(id) + "/" + path, {});
      state.busy = false;
      if (state.selectedId !== id) { return; }
      if (done) { done(result); }
      if (result && result.id === id) { showRecord(result, false); } else { await loadRecord(id, false); }
      loadQueue(state.session).catch(handleError);
    } catch (e) {
      state.busy = false;
      handleError(e);
      if (state.selectedId !== id) { return; }
      if (e.body && e.body.id === id) {
        showRecord(e.body, false);  // e.g. 502 from the ticket system still carries the record
      } else if (e.status === 409 || e.status === 403) {
        loadRecord(id, false).catch(handleError);  // someone else may have been faster: show the current state
      }
    } finally {
      state.busy = false;
      button.removeAttribute("aria-busy");
      if (state.record && state.selectedId === id) { renderActions(state.record); }
    }
  }

  el.claim.addEventListener("click", function () {
    act("claim", el.claim, function (r) {
      state.claimedByMe.add(r && r.id !== undefined ? r.id : state.selectedId);
      announce("Sie haben die Anfrage übernommen.");
      setTimeout(function () { if (!el.reply.disabled) { el.reply.focus(); } }, 0);
    });
  });
  el.resolve.addEventListener("click", function () {
    act("resolve", el.resolve, function () { announce("Die Anfrage ist als erledigt markiert."); });
  });
  el.handback.addEventListener("click", function () {
    act("handback", el.handback, function () { announce("Das Gespräch ist an den Assistenten zurückgegeben."); });
  });
  el.toTicket.addEventListener("click", function () {
    act("ticket", el.toTicket, function (r) {
      if (r && r.ticket_number) { announce("Ticket " + r.ticket_number + " wurde erstellt."); }
    });
  });

  async function sendReply() {
    const record = state.record;
    if (!record || el.send.disabled) { return; }
    const text = el.reply.value.trim();
    if (!text) {
      showError(TEXT.emptyReply);
      el.reply.focus();
      return;
    }
    const id = record.id;
    state.sending = true;
    el.send.disabled = true;
    clearError();
    try {
      const data = await api("POST", "/api/escalations/" + encodeURIComponent(id) + "/messages", {text: text});
      if (state.selectedId === id) {
        if (el.reply.value.trim() === text) { el.reply.value = ""; }
        if (data && data.message) { addMessages([data.message], false); }
      }
    } catch (e) {
      handleError(e);
      if ((e.status === 409 || e.status === 403) && state.selectedId === id) { loadRecord(id, false).catch(handleError); }
    } finally {
      state.sending = false;
      if (state.record && state.selectedId === id) { renderActions(state.record); }
      if (!el.reply.disabled) { el.reply.focus(); }
    }
  }

  el.replyForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sendReply();
  });
  el.reply.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      sendReply();
    }
  });

  // ---------------------------------------------------------------- article links

  function closeSearch() {
    el.kbSearch.hidden = true;
    el.insertArticle.setAttribute("aria-expanded", "false");
  }

  el.insertArticle.addEventListener("click", function () {
    const open = el.kbSearch.hidden;
    el.kbSearch.hidden = !open;
    el.insertArticle.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!el.kbQuery.value && state.record && state.record.details) {
        el.kbQuery.value = state.record.details.description || "";
      }
      el.kbQuery.focus();
    }
  });

  el.kbSearch.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      closeSearch();
      el.insertArticle.focus();
    }
  });

  el.kbForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const q = el.kbQuery.value.trim();
    clear(el.kbHits);
    if (!q) {
      el.kbStatus.textContent = "Bitte geben Sie einen Suchbegriff ein.";
      return;
    }
    el.kbStatus.textContent = "Suche läuft …";
    try {
      const data = await api("GET", "/api/knowledge/search?k=5&q=" + encodeURIComponent(q));
      const hits = Array.isArray(data.hits) ? data.hits.filter(function (h) { return safeUrl(h.url); }) : [];
      el.kbStatus.textContent = hits.length
        ? hits.length + " Treffer – zum Einfügen eine Anleitung wählen."
        : "Keine passende Anleitung gefunden.";
      hits.forEach(function (h) {
        const li = make("li");
        const btn = make("button", "hit");
        btn.type = "button";
        btn.dataset.url = safeUrl(h.url);
        btn.appendChild(make("span", "hit-title", h.title || h.slug || h.url));
        if (h.snippet) { btn.appendChild(make("span", "hit-snippet", h.snippet)); }
        btn.addEventListener("click", function () { insertUrl(btn.dataset.url, h.title || ""); });
        li.appendChild(btn);
        el.kbHits.appendChild(li);
      });
    } catch (e) {
      el.kbStatus.textContent = "";
      handleError(e);
    }
  });

  function insertUrl(url, title) {
    const box = el.reply;
    if (box.disabled) { return; }
    const start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    const end = typeof box.selectionEnd === "number" ? box.selectionEnd : box.value.length;
    const before = box.value.slice(0, start);
    const lead = before && !/\s$/.test(before) ? " " : "";
    box.setRangeText(lead + url + " ", start, end, "end");
    closeSearch();
    box.focus();
    announce("Link zu „" + title + "“ eingefügt.");
  }

  // ---------------------------------------------------------------- start

  async function boot() {
    try {
      const data = await api("GET", "/api/auth/me");
      await enter(data);
    } catch (e) {
      if (e && e.status && e.status !== 401) {
        showLogin("");
        showError(e.message);
        return;
      }
      showLogin(e && e.status === 0 ? TEXT.offline : "");
    }
  }

  boot();
})();
