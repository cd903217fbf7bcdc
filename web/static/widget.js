// IT-Service-Desk chat widget. One script tag embeds it on any intranet page:
//   <script src="https://servicedesk.example/widget.js" data-language="de" async></script>
// Optional: data-identity="<signed employee token>" or window.ServicedeskIdentity.
// On a page with <main id="servicedesk-fullscreen"> (our /chat page) it renders the chat full screen there.
//
// The UI lives in a Shadow DOM, so the host page's styles neither reach in nor get touched, and it needs no
// inline styles (the host page's CSP may forbid them). It talks only to our web service (WebSocket, long-poll
// fallback); everything from the server is rendered with textContent, links only to our own /kb/ articles.
(function () {
  "use strict";

  const script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || window.ServicedeskWidgetLoaded) { return; }
  window.ServicedeskWidgetLoaded = true;

  // Everything lives next to widget.js, also behind a path prefix (https://host/servicedesk/widget.js).
  const BASE = script.src.replace(/[?#].*$/, "").replace(/\/widget\.js$/, "");
  const BASE_URL = new URL(BASE + "/");
  const SESSION_KEY = "servicedesk.session";
  const OPEN_KEY = "servicedesk.open";
  const ROLES = ["user", "bot", "agent", "system"];

  // The widget's own words, German first (formal "Sie"); server texts arrive already in the user's language.
  const CATALOGUE = {
    de: {
      launcher: "Hilfe / IT-Service-Desk",
      unread: function (n) { return n === 1 ? "1 neue Nachricht" : n + " neue Nachrichten"; },
      notify: "Neue Nachricht vom IT-Service-Desk",
      region: "IT-Service-Desk-Chat",
      title: "IT-Service-Desk – Assistent",
      intro: "Guten Tag! Beschreiben Sie Ihr IT-Anliegen, der Assistent hilft Ihnen weiter.",
      newChat: "Neues Gespräch",
      endChat: "Gespräch beenden",
      close: "Chat schließen",
      log: "Gesprächsverlauf",
      inputLabel: "Ihre Nachricht",
      placeholder: "Beschreiben Sie Ihr IT-Anliegen …",
      send: "Senden",
      sendName: "Nachricht senden",
      typing: "Assistent schreibt …",
      you: "Sie",
      bot: "Assistent",
      agent: "Service Desk",
      system: "Hinweis",
      article: "Wissensartikel",
      newTab: "(öffnet in neuem Tab)",
      choices: "Antwortmöglichkeiten",
      chosen: "(gewählt)",
      notSent: "(nicht gesendet)",
      offline: "Der IT-Service-Desk ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
      failed: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
      expired: "Ihre Sitzung war abgelaufen und wurde erneuert. Bitte versuchen Sie es noch einmal.",
    },
    en: {
      launcher: "Help / IT service desk",
      unread: function (n) { return n === 1 ? "1 new message" : n + " new messages"; },
      notify: "New message from the IT service desk",
      region: "IT service desk chat",
      title: "IT service desk – assistant",
      intro: "Hello! Describe your IT issue and the assistant will help you.",
      newChat: "New conversation",
      endChat: "End conversation",
      close: "Close chat",
      log: "Conversation",
      inputLabel: "Your message",
      placeholder: "Describe your IT issue …",
      send: "Send",
      sendName: "Send message",
      typing: "Assistant is typing …",
      you: "You",
      bot: "Assistant",
      agent: "Service desk",
      system: "Notice",
      article: "Knowledge article",
      newTab: "(opens in a new tab)",
      choices: "Choices",
      chosen: "(chosen)",
      notSent: "(not sent)",
      offline: "The IT service desk is not reachable right now. Please try again shortly.",
      failed: "That did not work. Please try again.",
      expired: "Your session had expired and has been renewed. Please try again.",
    },
  };
  const LANG = (script.getAttribute("data-language") || "de").toLowerCase().slice(0, 2) === "en" ? "en" : "de";
  const T = CATALOGUE[LANG];

  const state = {
    fullscreen: false,
    open: false,
    session: null,
    identity: null,
    seen: new Set(),
    lastId: 0,
    pending: [],       // own messages shown before the server stored them: {label, node, failed}
    sending: 0,        // POSTs on their way (typing indicator)
    unread: 0,
    generation: 0,     // bumps when the transport restarts: stale sockets and polls stop
    socket: null,
    pollAbort: null,
    socketTimer: 0,
    starting: null,    // the running start(), so a send waits for the session
    styled: false,     // widget.css has loaded
    started: false,    // session and history are there
  };
  let el = {};

  // ---------------------------------------------------------------- helpers

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function isAbort(e) { return e && e.name === "AbortError"; }

  function storage(kind) {
    try { return kind === "local" ? window.localStorage : window.sessionStorage; } catch (_) { return null; }
  }

  function remember(kind, key, value) {
    const store = storage(kind);
    try {
      if (store && value === null) { store.removeItem(key); } else if (store) { store.setItem(key, value); }
    } catch (_) { /* storage full or disabled: the widget still works for this page */ }
  }

  function recall(kind, key) {
    const store = storage(kind);
    try { return store ? store.getItem(key) : null; } catch (_) { return null; }
  }

  function serverError(data) {
    if (!data || typeof data !== "object") { return ""; }
    const text = LANG === "en" ? (data.error_en || data.error) : (data.error || data.error_en);
    return typeof text === "string" ? text : "";
  }

  async function api(method, path, body, signal) {
    const headers = {"Accept": "application/json"};
    if (state.session) { headers.Authorization = "Bearer " + state.session; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    let resp;
    try {
      resp = await fetch(BASE + path, {
        method: method,
        headers: headers,
        mode: "cors",
        credentials: "omit",  // the session travels in the Authorization header, never in a cookie
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal,
      });
    } catch (e) {
      if (isAbort(e)) { throw e; }
      throw new ApiError(0, T.offline);
    }
    let data = null;
    try { data = await resp.json(); } catch (_) { data = null; }
    if (!resp.ok) {
      throw new ApiError(resp.status, serverError(data) || (resp.status >= 500 ? T.offline : T.failed));
    }
    return data || {};
  }

  // Only links to our own article pages: same origin as the web service, path under /kb/.
  function articleUrl(value) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      const url = new URL(value, BASE_URL);
      const prefix = BASE_URL.pathname.replace(/\/$/, "") + "/kb/";
      const ours = url.origin === BASE_URL.origin && url.pathname.indexOf(prefix) === 0;
      return ours && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function clock(value) {
    const date = value ? new Date(value) : new Date();
    const when = isNaN(date.getTime()) ? new Date() : date;
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return {iso: when.toISOString(), text: pad(when.getHours()) + ":" + pad(when.getMinutes())};
  }

  // "😄 5 – sehr zufrieden" -> symbol "😄" (decorative) and label "5 – sehr zufrieden".
  function splitSymbol(title) {
    const match = /^(\S+)\s+(.+)$/u.exec(title);
    if (match && !/[\p{L}\p{N}]/u.test(match[1])) { return {symbol: match[1], label: match[2]}; }
    return {symbol: "", label: title};
  }

  function csatScore(payload) {
    const match = /"csat_score"\s*:\s*"?([1-5])"?/.exec(payload || "");
    return match ? match[1] : "";
  }

  // ---------------------------------------------------------------- the DOM

  function build(host) {
    const shadow = host.attachShadow({mode: "open"});
    const link = make("link");
    link.rel = "stylesheet";
    link.href = BASE + "/static/widget.css";
    shadow.appendChild(link);

    const root = state.fullscreen ? make("div", "sd-root sd-fullscreen") : make("aside", "sd-root sd-widget");
    root.lang = LANG;
    root.hidden = true;  // until the stylesheet is there: no flash of an unstyled launcher
    if (!state.fullscreen) { root.setAttribute("aria-label", T.region); }
    const show = function () {
      root.hidden = false;
      state.styled = true;
      markReady(host);
    };
    link.addEventListener("load", show);
    link.addEventListener("error", show);
    shadow.appendChild(root);

    const ui = {host: host, shadow: shadow, root: root};
    if (!state.fullscreen) {
      ui.launcher = make("button", "launcher");
      ui.launcher.type = "button";
      ui.launcher.id = "sd-launcher";
      ui.launcher.setAttribute("aria-expanded", "false");
      ui.launcher.setAttribute("aria-controls", "sd-panel");
      ui.launcher.appendChild(bubbleIcon());
      ui.launcher.appendChild(make("span", "launcher-text", T.launcher));
      ui.badge = make("span", "badge");
      ui.badge.id = "sd-badge";
      ui.badge.hidden = true;
      ui.badgeCount = make("span", "");
      ui.badgeCount.setAttribute("aria-hidden", "true");
      ui.badgeText = make("span", "vh");
      ui.badge.appendChild(ui.badgeCount);
      ui.badge.appendChild(ui.badgeText);
      ui.launcher.appendChild(ui.badge);
      root.appendChild(ui.launcher);
      ui.notify = make("div", "vh");
      ui.notify.id = "sd-notify";
      ui.notify.setAttribute("role", "status");
      root.appendChild(ui.notify);
    }

    ui.panel = make("div", "panel");
    ui.panel.id = "sd-panel";
    if (!state.fullscreen) {
      ui.panel.setAttribute("role", "dialog");
      ui.panel.setAttribute("aria-modal", "false");
      ui.panel.setAttribute("aria-labelledby", "sd-title");
      ui.panel.hidden = true;
    }
    const head = make("div", "head");
    const title = make(state.fullscreen ? "h1" : "h2", "title", T.title);
    title.id = "sd-title";
    head.appendChild(title);
    const actions = make("div", "actions");
    ui.newChat = headButton("sd-new", T.newChat);
    ui.endChat = headButton("sd-end", T.endChat);
    actions.appendChild(ui.newChat);
    actions.appendChild(ui.endChat);
    head.appendChild(actions);
    if (!state.fullscreen) {
      ui.close = headButton("sd-close", "");
      ui.close.classList.add("close");
      ui.close.setAttribute("aria-label", T.close);
      const x = make("span", "", "×");
      x.setAttribute("aria-hidden", "true");
      ui.close.appendChild(x);
      head.appendChild(ui.close);
    }
    ui.panel.appendChild(head);

    ui.intro = make("p", "intro", T.intro);
    ui.intro.id = "sd-intro";
    ui.panel.appendChild(ui.intro);
    ui.log = make("div", "log");
    ui.log.id = "sd-log";
    ui.log.setAttribute("role", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.setAttribute("aria-relevant", "additions");
    ui.log.setAttribute("aria-label", T.log);
    ui.log.tabIndex = 0;  // scrollable: reachable by keyboard
    ui.panel.appendChild(ui.log);

    ui.typing = make("div", "typing");
    ui.typing.id = "sd-typing";
    ui.typing.setAttribute("role", "status");
    ui.typing.hidden = true;
    const dots = make("span", "dots");
    dots.setAttribute("aria-hidden", "true");
    for (let i = 0; i < 3; i++) { dots.appendChild(make("span", "dot")); }
    ui.typing.appendChild(dots);
    ui.typing.appendChild(make("span", "", T.typing));
    ui.panel.appendChild(ui.typing);

    ui.error = make("p", "error");
    ui.error.id = "sd-error";
    ui.error.setAttribute("role", "alert");
    ui.error.hidden = true;
    ui.panel.appendChild(ui.error);

    ui.form = make("form", "composer");
    ui.form.id = "sd-form";
    ui.form.noValidate = true;
    const label = make("label", "vh", T.inputLabel);
    label.htmlFor = "sd-input";
    ui.input = make("input", "input");
    ui.input.id = "sd-input";
    ui.input.type = "text";
    ui.input.autocomplete = "off";
    ui.input.maxLength = 1000;
    ui.input.placeholder = T.placeholder;
    ui.send = make("button", "send", T.send);
    ui.send.id = "sd-send";
    ui.send.type = "submit";
    ui.send.setAttribute("aria-label", T.sendName);
    ui.form.appendChild(label);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    ui.panel.appendChild(ui.form);
    root.appendChild(ui.panel);
    return ui;
  }

  // data-state="ready" on the host once the stylesheet, the session and the history are there.
  function markReady(host) {
    if (state.styled && state.started) { host.setAttribute("data-state", "ready"); }
  }

  // A speech bubble; drawn here because emoji fonts are not everywhere. Decorative: the text names the button.
  function bubbleIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "launcher-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function headButton(id, text) {
    const button = make("button", "head-button", text);
    button.type = "button";
    button.id = id;
    return button;
  }

  // ---------------------------------------------------------------- messages

  function messageNode(role, text, data, createdAt) {
    const node = make("div", "msg msg-" + role);
    node.setAttribute("data-role", role);
    const meta = make("p", "meta");
    let who = role === "user" ? T.you : T[role];
    if (role === "agent" && typeof data.agent === "string" && data.agent) { who = data.agent + " · " + T.agent; }
    meta.appendChild(make("span", "who", who));
    meta.appendChild(document.createTextNode(" "));
    const time = clock(createdAt);
    const stamp = make("time", "time", time.text);
    stamp.dateTime = time.iso;
    meta.appendChild(stamp);
    node.appendChild(meta);

    const bubble = make("div", "bubble");
    const article = data.article && typeof data.article === "object" && typeof data.article.title === "string" &&
      data.article.title ? data.article : null;
    const shown = article ? withoutUrlLine(text, article.url) : text;
    if (shown) { bubble.appendChild(make("p", "text", shown)); }
    if (article) { bubble.appendChild(articleCard(article)); }
    node.appendChild(bubble);
    if (Array.isArray(data.buttons) && data.buttons.length) {
      node.appendChild(data.csat === true ? csatRow(data.buttons) : choiceRow(data.buttons));
    }
    return node;
  }

  // Other channels get the article's address in the text; here the card links it, so that line goes.
  function withoutUrlLine(text, url) {
    if (!articleUrl(url)) { return text; }
    return text.split("\n").filter(function (line) { return line.indexOf(url) < 0; }).join("\n").trim();
  }

  function articleCard(article) {
    const card = make("div", "card");
    card.appendChild(make("p", "card-kind", T.article));
    const href = articleUrl(article.url);
    const title = make("span", "card-title", article.title);
    if (href) {
      const a = make("a", "card-link");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(title);
      a.appendChild(make("span", "vh", " " + T.newTab));
      if (typeof article.slug === "string") { a.setAttribute("data-slug", article.slug); }
      card.appendChild(a);
    } else {
      card.appendChild(title);  // not one of our articles: the title as text, no link
    }
    return card;
  }

  function validButtons(buttons) {
    return buttons.filter(function (b) {
      return b && typeof b.title === "string" && b.title && typeof b.payload === "string" && b.payload;
    });
  }

  function choiceRow(buttons) {
    const row = make("div", "choices");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", T.choices);
    validButtons(buttons).forEach(function (b) {
      const button = make("button", "choice", b.title);
      button.type = "button";
      button.setAttribute("data-title", b.title);
      button.addEventListener("click", function () { choose(row, button, b.payload, b.title); });
      row.appendChild(button);
    });
    row.addEventListener("keydown", arrowKeys);
    return row;
  }

  // The one-click question: five buttons (symbol + text label) in one group; arrow keys move between them.
  function csatRow(buttons) {
    const row = make("div", "choices csat");
    row.setAttribute("role", "group");
    row.setAttribute("data-csat", "open");
    validButtons(buttons).forEach(function (b) {
      const parts = splitSymbol(b.title);
      const button = make("button", "choice csat-choice");
      button.type = "button";
      button.setAttribute("data-title", b.title);
      button.setAttribute("data-score", csatScore(b.payload));
      if (parts.symbol) {
        const symbol = make("span", "symbol", parts.symbol);
        symbol.setAttribute("aria-hidden", "true");
        button.appendChild(symbol);
      }
      button.appendChild(make("span", "label", parts.label));
      button.addEventListener("click", function () { choose(row, button, b.payload, b.title); });
      row.appendChild(button);
    });
    row.addEventListener("keydown", arrowKeys);
    return row;
  }

  function arrowKeys(ev) {
    const buttons = Array.prototype.slice.call(ev.currentTarget.querySelectorAll("button:not([disabled])"));
    const i = buttons.indexOf(ev.target);
    if (i < 0) { return; }
    let next = null;
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") { next = buttons[(i + 1) % buttons.length]; }
    if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") { next = buttons[(i - 1 + buttons.length) % buttons.length]; }
    if (ev.key === "Home") { next = buttons[0]; }
    if (ev.key === "End") { next = buttons[buttons.length - 1]; }
    if (next) {
      ev.preventDefault();
      next.focus();
    }
  }

  function closeRow(row, chosen) {
    row.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    if (row.hasAttribute("data-csat")) { row.setAttribute("data-csat", "answered"); }
    if (chosen && !chosen.classList.contains("chosen")) {
      chosen.classList.add("chosen");
      chosen.appendChild(make("span", "vh", " " + T.chosen));
    }
  }

  function reopenRow(row, chosen) {
    row.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    if (row.hasAttribute("data-csat")) { row.setAttribute("data-csat", "open"); }
    if (chosen) {
      chosen.classList.remove("chosen");
      const note = chosen.querySelector(".vh");
      if (note) { chosen.removeChild(note); }
    }
  }

  function choose(row, button, payload, title) {
    if (button.disabled) { return; }
    closeRow(row, button);
    el.input.focus();  // the clicked button is disabled now; the composer is the next sensible place
    send(payload, title, {onFail: function () { reopenRow(row, button); }});
  }

  // A user message answers the open choices before it: they close, the matching one is marked.
  // The rating question stays open until a rating arrives (typed text there is something else).
  function answerChoices(text, data) {
    const rating = typeof data.payload === "string" && data.payload.indexOf("/csat") === 0;
    el.log.querySelectorAll(".choices").forEach(function (row) {
      const open = Array.prototype.some.call(row.querySelectorAll("button"), function (b) { return !b.disabled; });
      if (!open || (row.hasAttribute("data-csat") && !rating)) { return; }
      const chosen = Array.prototype.find.call(row.querySelectorAll("button"), function (b) {
        return (b.getAttribute("data-title") || b.textContent) === text;
      });
      closeRow(row, chosen || null);
    });
  }

  function nearBottom() { return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 120; }

  function scrollToEnd() { el.log.scrollTop = el.log.scrollHeight; }

  // Messages go in id order; own messages waiting for their id stay where they were typed.
  function insert(node, id) {
    if (id) {
      node.setAttribute("data-id", String(id));
      const later = Array.prototype.find.call(el.log.children, function (child) {
        return Number(child.getAttribute("data-id")) > id;
      });
      if (later) {
        el.log.insertBefore(node, later);
        return;
      }
    }
    el.log.appendChild(node);
  }

  function settle(pending, id, createdAt) {
    state.pending.splice(state.pending.indexOf(pending), 1);
    if (!id) { return; }
    state.seen.add(id);
    state.lastId = Math.max(state.lastId, id);
    pending.node.setAttribute("data-id", String(id));
    if (pending.failed) {
      pending.node.classList.remove("failed");
      const note = pending.node.querySelector(".not-sent");
      if (note) { note.parentNode.removeChild(note); }
    }
    if (createdAt) {
      const time = clock(createdAt);
      const stamp = pending.node.querySelector("time");
      stamp.dateTime = time.iso;
      stamp.textContent = time.text;
    }
  }

  function render(m, live) {
    if (!m || typeof m !== "object") { return; }
    const id = Number(m.id) || 0;
    if (id && state.seen.has(id)) { return; }
    const role = ROLES.indexOf(m.role) >= 0 ? m.role : "bot";
    const text = typeof m.text === "string" ? m.text : "";
    const data = m.data && typeof m.data === "object" ? m.data : {};
    if (role === "user") {
      answerChoices(text, data);
      const pending = state.pending.find(function (p) { return p.label === text; });
      if (pending) {
        settle(pending, id, m.created_at);
        return;
      }
    }
    if (id) {
      state.seen.add(id);
      state.lastId = Math.max(state.lastId, id);
    }
    const follow = nearBottom();
    insert(messageNode(role, text, data, m.created_at), id);
    el.intro.hidden = true;
    if (follow || role === "user") { scrollToEnd(); }
    if (live && role !== "user" && !state.open) { noteUnread(); }
  }

  function receive(body, live) {
    if (body && Array.isArray(body.messages)) {
      body.messages.forEach(function (m) { render(m, live); });
    }
  }

  function resetLog() {
    clear(el.log);
    state.seen.clear();
    state.lastId = 0;
    state.pending = [];
    el.intro.hidden = false;
  }

  function noteUnread() {
    if (state.fullscreen) { return; }
    state.unread += 1;
    el.badgeCount.textContent = String(state.unread);
    el.badgeText.textContent = " – " + T.unread(state.unread);
    el.badge.hidden = false;
    el.notify.textContent = T.notify;
  }

  function clearUnread() {
    if (state.fullscreen) { return; }
    state.unread = 0;
    el.badge.hidden = true;
    el.badgeCount.textContent = "";
    el.badgeText.textContent = "";
    el.notify.textContent = "";
  }

  function showError(message) {
    el.error.textContent = message;
    el.error.hidden = false;
  }

  function hideError() {
    el.error.hidden = true;
    el.error.textContent = "";
  }

  function busy(delta) {
    state.sending = Math.max(0, state.sending + delta);
    const follow = nearBottom();
    el.typing.hidden = state.sending === 0;
    if (follow) { scrollToEnd(); }
  }

  // ---------------------------------------------------------------- talking to the server

  async function openSession() {
    const stored = recall("local", SESSION_KEY);
    const body = {};
    if (state.identity) { body.identity = state.identity; }
    if (stored) { body.session = stored; }
    state.session = null;
    let answer;
    try {
      answer = await api("POST", "/api/chat/session", body);
    } catch (e) {
      if (e.status !== 401 || !state.identity) { throw e; }
      // A broken or expired intranet token: chat anonymously rather than not at all.
      if (window.console) { window.console.warn("servicedesk: identity refused, continuing anonymously"); }
      state.identity = null;
      answer = await api("POST", "/api/chat/session", stored ? {session: stored} : {});
    }
    if (!answer || typeof answer.session !== "string" || !answer.session) { throw new ApiError(0, T.failed); }
    state.session = answer.session;
    remember("local", SESSION_KEY, state.session);
  }

  async function loadHistory() {
    const body = await api("GET", "/api/chat/history");
    resetLog();
    receive(body, false);
    if (body.csat === "answered") {
      el.log.querySelectorAll('[data-csat="open"]').forEach(function (row) { closeRow(row, null); });
    }
    scrollToEnd();
  }

  // Session, history, live updates; retried quietly while the web service is not reachable.
  function start() {
    if (state.starting) { return state.starting; }
    state.starting = (async function () {
      for (let attempt = 0; ; attempt++) {
        try {
          await openSession();
          await loadHistory();
          receive(await api("POST", "/api/chat/open", {}), false);  // the closing question, when it is due
          hideError();
          connect();
          state.started = true;
          markReady(el.host);
          return;
        } catch (e) {
          if (attempt === 1) { showError(e.message || T.offline); }
          await sleep(Math.min(30000, 2000 * (attempt + 1)));
        }
      }
    })().finally(function () { state.starting = null; });
    return state.starting;
  }

  // A 401 means the session ended on the server: a new one, its (empty) history, a fresh transport.
  async function restart() {
    stopTransport();
    remember("local", SESSION_KEY, null);
    state.session = null;
    await start();
  }

  function stopTransport() {
    state.generation += 1;
    if (state.socket) {
      const socket = state.socket;
      state.socket = null;
      try { socket.close(); } catch (_) { /* already closed */ }
    }
    if (state.pollAbort) { state.pollAbort.abort(); state.pollAbort = null; }
    clearTimeout(state.socketTimer);
  }

  function connect() {
    stopTransport();
    openSocket(state.generation);
  }

  function openSocket(generation) {
    const url = new URL(BASE + "/api/chat/ws");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (_) {
      fallBack(generation, 30000);
      return;
    }
    state.socket = socket;
    let openedAt = 0;
    socket.addEventListener("open", function () {
      if (generation !== state.generation) { socket.close(); return; }
      openedAt = Date.now();
      socket.send(JSON.stringify({session: state.session, after: state.lastId}));
      if (state.pollAbort) { state.pollAbort.abort(); state.pollAbort = null; }
      el.host.setAttribute("data-transport", "websocket");
    });
    socket.addEventListener("message", function (ev) {
      if (generation !== state.generation) { return; }
      let frame = null;
      try { frame = JSON.parse(ev.data); } catch (_) { return; }
      if (frame && frame.type === "messages") { receive(frame, true); }
    });
    socket.addEventListener("close", function (ev) {
      if (generation !== state.generation || state.socket !== socket) { return; }
      state.socket = null;
      // Try the socket again soon after a dropped connection, later when it never opened (a proxy without
      // WebSocket support); the long-poll carries the messages meanwhile.
      if (ev.code === 4401) {
        restart();
        return;
      }
      fallBack(generation, openedAt && Date.now() - openedAt > 2000 ? 5000 : 30000);
    });
  }

  function fallBack(generation, retryMs) {
    el.host.setAttribute("data-transport", "polling");
    if (!state.pollAbort) { poll(generation); }
    clearTimeout(state.socketTimer);
    state.socketTimer = setTimeout(function () {
      if (generation === state.generation && !state.socket) { openSocket(generation); }
    }, retryMs);
  }

  async function poll(generation) {
    const abort = new AbortController();
    state.pollAbort = abort;
    while (generation === state.generation && !abort.signal.aborted) {
      const started = Date.now();
      try {
        const body = await api("GET", "/api/chat/events?after=" + state.lastId, undefined, abort.signal);
        if (generation !== state.generation || abort.signal.aborted) { return; }
        receive(body, true);
        if (body.retry_after) {  // no conversation yet: nothing can arrive before the first message
          await sleep(Math.min(Number(body.retry_after) || 5, 5) * 1000);
        } else if (!(body.messages || []).length && Date.now() - started < 1000) {
          await sleep(1000);
        }
      } catch (e) {
        if (isAbort(e)) { return; }
        if (e.status === 401) {
          if (generation === state.generation) { restart(); }
          return;
        }
        await sleep(3000);  // web service restarting: try again
      }
    }
    if (state.pollAbort === abort) { state.pollAbort = null; }
  }

  function addPending(label) {
    // Sent again after a failure: the new bubble replaces the failed one.
    state.pending.filter(function (p) { return p.failed && p.label === label; }).forEach(function (p) {
      state.pending.splice(state.pending.indexOf(p), 1);
      if (p.node.parentNode) { p.node.parentNode.removeChild(p.node); }
    });
    const node = messageNode("user", label, {}, null);
    const pending = {label: label, node: node, failed: false};
    state.pending.push(pending);
    el.log.appendChild(node);
    el.intro.hidden = true;
    scrollToEnd();
    return pending;
  }

  async function send(text, label, options) {
    const opts = options || {};
    hideError();
    answerChoices(label, {payload: text});
    const pending = addPending(label);
    busy(1);
    try {
      if (state.starting) { await state.starting; }
      const body = await api("POST", "/api/chat/messages", {text: text, label: label});
      if (state.pending.indexOf(pending) >= 0) { settle(pending, Number(body.user_message_id) || 0, null); }
      receive(body, false);
    } catch (e) {
      // Not sent: say so at the bubble and give typed text back, so nothing is lost.
      if (!pending.failed) {
        pending.failed = true;
        pending.node.classList.add("failed");
        pending.node.querySelector(".bubble").appendChild(make("p", "not-sent", T.notSent));
      }
      if (text === label && !el.input.value) { el.input.value = text; }
      if (opts.onFail) { opts.onFail(); }
      if (e.status === 401) {
        restart().then(function () { showError(T.expired); });
      } else {
        showError(e.message || T.failed);
      }
    } finally {
      busy(-1);
    }
  }

  async function action(path, after) {
    hideError();
    try {
      if (state.starting) { await state.starting; }
      const body = await api("POST", path, {});
      after(body);
    } catch (e) {
      if (e.status === 401) {
        restart().then(function () { showError(T.expired); });
      } else {
        showError(e.message || T.failed);
      }
    }
  }

  // ---------------------------------------------------------------- opening, closing, keys

  function setOpen(open, moveFocus) {
    if (state.fullscreen) { return; }
    state.open = open;
    el.panel.hidden = !open;
    el.launcher.setAttribute("aria-expanded", String(open));
    el.root.classList.toggle("is-open", open);
    remember("session", OPEN_KEY, open ? "1" : null);
    if (open) {
      clearUnread();
      scrollToEnd();
      if (moveFocus) { el.input.focus(); }
    } else if (moveFocus) {
      el.launcher.focus();
    }
  }

  function wire() {
    el.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const text = el.input.value.trim();
      if (!text) {
        el.input.focus();
        return;
      }
      el.input.value = "";
      send(text, text);
    });
    el.newChat.addEventListener("click", function () {
      action("/api/chat/new", function (body) {
        resetLog();
        receive(body, false);
        connect();
        el.input.focus();
      });
    });
    el.endChat.addEventListener("click", function () {
      action("/api/chat/end", function (body) {
        receive(body, false);
        // The rating question is the one thing left to do: put the keyboard on it.
        const first = el.log.querySelector('[data-csat="open"] button:not([disabled])');
        if (first) { first.focus(); }
      });
    });
    if (!state.fullscreen) {
      el.launcher.addEventListener("click", function () { setOpen(!state.open, true); });
      el.close.addEventListener("click", function () { setOpen(false, true); });
      el.root.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape" && state.open) {
          ev.preventDefault();
          setOpen(false, true);
        }
      });
    }
    // Another tab started a new session (expired one): follow it, so both tabs show the same conversation.
    window.addEventListener("storage", function (ev) {
      if (ev.key === SESSION_KEY && ev.newValue && ev.newValue !== state.session && !state.starting) {
        stopTransport();
        start();
      }
    });
  }

  function mount() {
    const target = document.getElementById("servicedesk-fullscreen");
    state.fullscreen = !!target;
    let host = target;
    if (!host) {
      host = document.getElementById("servicedesk-widget") || document.createElement("div");
      host.id = "servicedesk-widget";
      if (!host.parentNode) { document.body.appendChild(host); }
    }
    if (host.shadowRoot) { return; }
    host.setAttribute("data-state", "loading");
    host.setAttribute("data-mode", state.fullscreen ? "fullscreen" : "widget");
    const identity = script.getAttribute("data-identity") || window.ServicedeskIdentity;
    state.identity = typeof identity === "string" && identity ? identity : null;
    el = build(host);
    wire();
    if (!state.fullscreen && recall("session", OPEN_KEY) === "1") { setOpen(true, false); }
    start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
