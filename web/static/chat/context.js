// What the chat's modules share: where the web service is, the words, the elements and the state.

export const ROLES = ["user", "bot", "agent", "system"];

export const c = {
  base: "",          // the web service (where widget.js came from)
  lang: "de",
  texts: {},         // the text catalogue of this language (/texts/<lang>.json)
  el: {},            // the chat's elements (chat.js builds them)
  choose: null,      // what a click on a choice does (log.js)
  state: {
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
    started: false,    // session and history are there
    warned: false,     // the console hint for whoever embeds the widget was given
    handoff: null,     // "waiting" | "claimed" while the desk has the conversation
  },
  // The widget's words: "ui.widget.<key>" of the catalogue, {name} filled from values.
  t: function (key, values) {
    const text = String(c.texts["ui.widget." + key] || key);
    return values ? text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    }) : text;
  },
};

export function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

export function isAbort(e) { return !!e && e.name === "AbortError"; }

export function storage(kind) {
  try { return kind === "local" ? window.localStorage : window.sessionStorage; } catch (_) { return null; }
}

export function remember(kind, key, value) {
  const store = storage(kind);
  try {
    if (store && value === null) { store.removeItem(key); } else if (store) { store.setItem(key, value); }
  } catch (_) { /* storage full or disabled: the widget still works for this page */ }
}

export function recall(kind, key) {
  const store = storage(kind);
  try { return store ? store.getItem(key) : null; } catch (_) { return null; }
}
