// Talking to the web service: the session (a Bearer token, never a cookie), the history, sending, and live
// updates over a WebSocket with the long-poll as fallback.

import {c, isAbort, recall, remember, sleep} from "./context.js";
import {addPending, answerChoices, busy, closeRow, hideError, notSent, receive, resetLog, scrollToEnd, setHandoff,
  settle, showError} from "./log.js";

const state = c.state;
const SESSION_KEY = "servicedesk.session";
const ATTEMPTS = 3;  // then the chat says it cannot reach the desk (after ~3 s), instead of retrying forever
const TIMEOUT_MS = 45000;  // a request that hangs this long counts as failed (a bot reply takes a few seconds)

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function serverError(data) {
  if (!data || typeof data !== "object") { return ""; }
  const text = c.lang === "en" ? (data.error_en || data.error) : (data.error || data.error_en);
  return typeof text === "string" ? text : "";
}

export async function api(method, path, body, signal) {
  const headers = {"Accept": "application/json"};
  if (state.session) { headers.Authorization = "Bearer " + state.session; }
  if (body !== undefined) { headers["Content-Type"] = "application/json"; }
  let resp;
  try {
    resp = await fetch(c.base + path, {
      method: method,
      headers: headers,
      mode: "cors",
      credentials: "omit",  // the session travels in the Authorization header, never in a cookie
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal || AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    if (isAbort(e)) { throw e; }
    throw new ApiError(0, c.t("offline"));
  }
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (!resp.ok) {
    throw new ApiError(resp.status, serverError(data) || (resp.status >= 500 ? c.t("offline") : c.texts["ui.failed"]));
  }
  return data || {};
}

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
  if (!answer || typeof answer.session !== "string" || !answer.session) { throw new ApiError(0, c.texts["ui.failed"]); }
  state.session = answer.session;
  remember("local", SESSION_KEY, state.session);
}

async function loadHistory() {
  const body = await api("GET", "/api/chat/history");
  resetLog();
  receive(body, false);
  setHandoff(body.handoff || null);
  if (body.csat === "answered") {
    c.el.log.querySelectorAll('[data-csat="open"]').forEach(function (row) { closeRow(row, null); });
  }
  scrollToEnd();
}

// The employee opened the chat: a conversation left alone gets the closing question now (once).
export async function opened() {
  if (state.starting) { await state.starting; }
  if (!state.session) { return; }
  try {
    receive(await api("POST", "/api/chat/open", {}), false);
  } catch (e) {
    if (e.status === 401) { restart(); }  // nothing else to say: the question comes next time
  }
}

// Session, history, live updates: a few quick attempts, then a clear failure with a retry button (never an
// endless wait: a message sent meanwhile is marked "not sent" and kept). Resolves to whether it worked.
export function start() {
  if (state.starting) { return state.starting; }
  state.starting = (async function () {
    let last = null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt) { await sleep(1000 * attempt); }
      try {
        await openSession();
        await loadHistory();
        hideError();
        connect();
        state.started = true;
        c.el.host.setAttribute("data-state", "ready");
        c.el.host.setAttribute("data-connection", "ok");
        return true;
      } catch (e) {
        last = e;
      }
    }
    c.el.host.setAttribute("data-connection", "failed");
    showError(c.t("unreachable"), retry);
    if (!state.warned) {
      state.warned = true;
      diagnose(last);
    }
    return false;
  })().finally(function () { state.starting = null; });
  return state.starting;
}

// For whoever embeds the widget: why it cannot talk to the web service. Our static files may be read from any
// page, the chat API only from the origins in SERVICEDESK_ALLOWED_ORIGINS: when the first answers and the second
// does not, this page's origin is missing there.
async function diagnose(error) {
  if (!window.console || (error && error.status)) { return; }
  let reachable = false;
  try {
    reachable = (await fetch(c.base + "/texts/" + c.lang + ".json", {mode: "cors", credentials: "omit",
      cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS)})).ok;
  } catch (_) {
    reachable = false;
  }
  const origin = window.location.origin;
  window.console.warn(reachable
    ? "servicedesk: the web service at " + c.base + " does not let this page (" + origin + ") use the chat API. " +
      "Add " + origin + " to SERVICEDESK_ALLOWED_ORIGINS there (comma-separated) and restart it."
    : "servicedesk: the web service at " + c.base + " is not reachable. When it runs, check that this page's " +
      "origin (" + origin + ") is listed in its SERVICEDESK_ALLOWED_ORIGINS.");
}

// The retry button: connect again, then send what was not sent, in the order it was typed.
export async function retry() {
  const unsent = state.pending.filter(function (p) { return p.failed; });
  if (!(await start())) { return; }
  for (const p of unsent) {
    if (c.el.input.value.trim() === p.label) { c.el.input.value = ""; }
    await send(p.text, p.label);
  }
}

// A 401 means the session ended on the server: a new one, its (empty) history, a fresh transport.
export async function restart() {
  stopTransport();
  remember("local", SESSION_KEY, null);
  state.session = null;
  state.started = false;
  await start();
}

export function stopTransport() {
  state.generation += 1;
  if (state.socket) {
    const socket = state.socket;
    state.socket = null;
    try { socket.close(); } catch (_) { /* already closed */ }
  }
  if (state.pollAbort) { state.pollAbort.abort(); state.pollAbort = null; }
  clearTimeout(state.socketTimer);
}

export function connect() {
  stopTransport();
  openSocket(state.generation);
}

function openSocket(generation) {
  const url = new URL(c.base + "/api/chat/ws");
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
    c.el.host.setAttribute("data-transport", "websocket");
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
  c.el.host.setAttribute("data-transport", "polling");
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
      if (!(body.messages || []).length && Date.now() - started < 1000) { await sleep(1000); }
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

export async function send(text, label, options) {
  const opts = options || {};
  hideError();
  answerChoices(label, {payload: text});
  const pending = addPending(label, text);
  busy(1);
  try {
    if (!state.started && !(await start())) { throw new ApiError(0, c.t("unreachable")); }
    const body = await api("POST", "/api/chat/messages", {text: text, label: label});
    if (state.pending.indexOf(pending) >= 0) { settle(pending, Number(body.user_message_id) || 0, null); }
    receive(body, false);
  } catch (e) {
    // Not sent: say so at the bubble and give typed text back, so nothing is lost.
    notSent(pending);
    if (text === label && !c.el.input.value) { c.el.input.value = text; }
    if (opts.onFail) { opts.onFail(); }
    if (e.status === 401) {
      restart().then(function () { showError(c.t("expired")); });
    } else if (!state.started) {
      showError(c.t("unreachable"), retry);  // the message stays, marked "not sent"; the button sends it
    } else {
      showError(e.message || c.texts["ui.failed"]);
    }
  } finally {
    busy(-1);
  }
}

export async function action(path, after) {
  hideError();
  try {
    if (!state.started && !(await start())) { return; }  // start() said what is wrong
    after(await api("POST", path, {}));
  } catch (e) {
    if (e.status === 401) {
      restart().then(function () { showError(c.t("expired")); });
    } else {
      showError(e.message || c.texts["ui.failed"]);
    }
  }
}

// Another tab started a new session (expired one): follow it, so both tabs show the same conversation.
window.addEventListener("storage", function (ev) {
  if (ev.key === SESSION_KEY && ev.newValue && ev.newValue !== state.session && !state.starting && state.started) {
    stopTransport();
    start();
  }
});
