// Agent console: the queue (live), the tickets, and the open escalation. Talks only to our own web service;
// everything from the server is rendered with textContent, never as HTML.

import {api, isAbort} from "../staff/api.js";
import {clear, make, sleep} from "../staff/dom.js";
import {dateTimeText, toDate} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {createShell} from "../staff/shell.js";
import {wireActions} from "./actions.js";
import {alertNew, wireAlerts} from "./alerts.js";
import {wirePicker} from "./canned.js";
import {loadRecord, openEscalation, renderMeta, resetDetail, stopWatching} from "./detail.js";
import {draftFrom, loadIncidents, wireIncidents} from "./incidents.js";
import {loadLibrary, wireLibrary} from "./library.js";
import {wireNotes} from "./notes.js";
import {el, state} from "./state.js";
import {watchSurges} from "./surges.js";
import {announce, claimAgeText, languageText, statusText, waitedText, waitText} from "./words.js";

const TITLE = "IT-Service-Desk – Konsole";

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
  el.connection.textContent = "";
}

async function enter(_data, _focus) {
  stopAll();
  const session = state.session;
  state.sessionAbort = new AbortController();
  try {
    await loadQueue(session);
  } catch (e) {
    if (session !== state.session) { return; }
    if (e && e.status === 403) { shell.showNoRole(e.message); return; }
    if (e && e.status === 401) { shell.sessionExpired(); return; }
    shell.showView("workspace");
    shell.handleError(e);
    return;
  }
  if (session !== state.session) { return; }
  shell.showView("workspace");
  selectTab("queue", false);
  pollChanges(session);
  watchSurges(function (suggestion) {
    selectTab("incidents", false);
    draftFrom(suggestion);
  });
  const fromHash = /^#anfrage-(\d+)$/.exec(window.location.hash);
  if (fromHash) { openEscalation(Number(fromHash[1]), false); }
}

const shell = createShell({
  role: "agent",
  roleLabel: "Agent",
  why: "ui.console.no_role",
  views: {workspace: el.workspace},
  loginTitle: TITLE,
  enter: enter,
  leave: stopAll,
  afterLogout: function () { history.replaceState(null, "", window.location.pathname); },
});
state.shell = shell;

// ---------------------------------------------------------------- tabs

const TABS = [
  {name: "queue", tab: el.tabQueue, panel: el.queuePanel},
  {name: "tickets", tab: el.tabTickets, panel: el.ticketsPanel},
  {name: "canned", tab: el.tabCanned, panel: el.cannedPanel},
  {name: "incidents", tab: el.tabIncidents, panel: el.incidentsPanel},
];

function selectTab(name, focus) {
  TABS.forEach(function (entry) {
    const on = entry.name === name;
    entry.tab.setAttribute("aria-selected", String(on));
    entry.tab.tabIndex = on ? 0 : -1;
    entry.panel.hidden = !on;
    if (on && focus) { entry.tab.focus(); }
  });
  if (name === "tickets") { loadTickets(); }
  if (name === "canned") { loadLibrary().catch(shell.handleError); }
  if (name === "incidents") { loadIncidents().catch(shell.handleError); }
}

TABS.forEach(function (entry, index) {
  entry.tab.addEventListener("click", function () { selectTab(entry.name, false); });
  entry.tab.addEventListener("keydown", function (ev) {
    const moves = {ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: TABS.length - 1};
    if (!(ev.key in moves)) { return; }
    ev.preventDefault();
    selectTab(TABS[(moves[ev.key] + TABS.length) % TABS.length].name, true);
  });
});
el.ticketsReload.addEventListener("click", function () { loadTickets(); });

// ---------------------------------------------------------------- queue

async function loadQueue(session) {
  const data = await api("GET", "/api/escalations?status=waiting,claimed", undefined,
    state.sessionAbort ? state.sessionAbort.signal : undefined);
  if (session !== state.session) { return; }
  if (typeof data.revision === "number") { state.revision = data.revision; }
  if (typeof data.claim_warn_seconds === "number") { state.claimWarnSeconds = data.claim_warn_seconds; }
  const items = Array.isArray(data.escalations) ? data.escalations.slice() : [];
  // Most urgent first, then oldest first, whatever order the server sends.
  items.sort(function (a, b) {
    const rank = (b.urgency_rank || 0) - (a.urgency_rank || 0);
    if (rank !== 0) { return rank; }
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
        announce(t("ui.console.new_entry", {reason: e.reason_label || e.reason || "", first: first}));
        alertNew(e, function () { openEscalation(e.id, true); });
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
  if (e.urgency_label) {
    btn.appendChild(make("span", "urgency urgency-" + (e.urgency || "other"),
      t("ui.console.urgency", {text: e.urgency_label})));
  }
  if (e.status === "claimed" && typeof e.claimed_seconds === "number") {
    const age = make("span", "claim-age");
    age.dataset.seconds = String(e.claimed_seconds);
    showClaimAge(age, elapsed);
    btn.appendChild(age);
  }

  const meta = make("span", "entry-meta");
  meta.appendChild(make("span", "", e.reason_label || e.reason || ""));
  meta.appendChild(document.createTextNode(" · "));
  meta.appendChild(make("span", "", languageText(e.language)));
  meta.appendChild(document.createTextNode(" · " + t("ui.console.number", {id: e.id})));
  btn.appendChild(meta);

  const first = Array.isArray(e.summary) && e.summary.length ? e.summary[0] : "";
  btn.appendChild(make("span", "entry-summary", first));
  btn.addEventListener("click", function () { openEscalation(e.id, true); });
  li.appendChild(btn);
  return li;
}

// A claim held longer than the desk's setting is marked (a forgotten conversation); shorter ones show nothing.
function showClaimAge(node, elapsed) {
  const seconds = (Number(node.dataset.seconds) || 0) + elapsed;
  const long = state.claimWarnSeconds > 0 && seconds >= state.claimWarnSeconds;
  node.hidden = !long;
  node.textContent = long ? claimAgeText(seconds) : "";
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
  el.queueCount.textContent = waiting ? t("ui.console.waiting_count", {count: waiting}) : "";
  document.title = (waiting ? "(" + waiting + ") " : "") + TITLE;
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
  el.queue.querySelectorAll(".claim-age").forEach(function (node) { showClaimAge(node, elapsed); });
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
      if (e.status === 401) { shell.sessionExpired(); return; }
      if (e.status === 403) { shell.showNoRole(e.message); return; }
      el.connection.textContent = t("ui.console.reconnecting");
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
    if (session === state.session) { shell.handleError(e); }
  }
}

// ---------------------------------------------------------------- tickets

async function loadTickets() {
  const session = state.session;
  const states = Object.assign({}, section("ticket.state"), {forwarded: t("ui.console.forwarded_mail")});
  try {
    const data = await api("GET", "/api/tickets");
    if (session !== state.session) { return; }
    const tickets = Array.isArray(data.tickets) ? data.tickets : [];
    clear(el.ticketsBody);
    tickets.forEach(function (ticket) {
      const tr = make("tr");
      const number = make("td", "mono", ticket.number || "");
      number.appendChild(make("span", "muted", ticket.sink ? " (" + ticket.sink + ")" : ""));
      tr.appendChild(number);
      tr.appendChild(make("td", "", ticket.title || ""));
      tr.appendChild(make("td", "", states[ticket.status] || ticket.status || ""));
      tr.appendChild(make("td", "", dateTimeText(ticket.created_at)));
      el.ticketsBody.appendChild(tr);
    });
    el.ticketsEmpty.hidden = tickets.length > 0;
  } catch (e) {
    if (session === state.session) { shell.handleError(e); }
  }
}

wireActions(function () { loadQueue(state.session).catch(shell.handleError); });
wirePicker();
wireNotes();
wireLibrary();
wireIncidents();
wireAlerts();
shell.boot();
