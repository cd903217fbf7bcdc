// Full-screen chat: talks only to our web service; every text is rendered as text, never as HTML.
// The conversation lives on the server: history on load, new messages (agent replies, handoff notices)
// by long-polling /api/chat/events.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const error = document.getElementById("error");
  const seen = new Set();
  const pending = [];  // optimistic user bubbles waiting for their stored id
  let lastId = 0;

  function bubble(role, text) {
    const div = document.createElement("div");
    div.className = "msg " + role;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  // Article links only to our own /kb/ pages (the server checks too).
  function ownArticle(value) {
    try {
      const url = new URL(value, window.location.origin);
      return url.origin === window.location.origin && url.pathname.indexOf("/kb/") === 0;
    } catch (e) {
      return false;
    }
  }

  function render(m) {
    if (m.id) {
      if (seen.has(m.id)) { return; }
      seen.add(m.id);
      lastId = Math.max(lastId, m.id);
    }
    const data = m.data || {};
    if (m.role === "user") {
      const i = pending.findIndex(function (p) { return p.text === m.text; });
      if (i >= 0) { pending.splice(i, 1); return; }  // already shown when it was sent
      bubble("user", m.text);
      return;
    }
    const div = bubble(m.role === "bot" ? "bot" : m.role, "");
    if (m.role === "agent") {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = "Service Desk" + (data.agent ? " (" + data.agent + ")" : "") + ": ";
      div.appendChild(who);
    }
    div.appendChild(document.createTextNode(m.text || ""));
    if (data.article && ownArticle(data.article.url)) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = data.article.url;
      a.textContent = data.article.title;
      a.target = "_blank";
      a.rel = "noopener";
      p.appendChild(a);
      div.appendChild(p);
    }
    if (data.buttons && data.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      data.buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(btn);
      });
      div.appendChild(row);
    }
  }

  async function send(payload, shown) {
    error.hidden = true;
    const mine = bubble("user", shown);
    pending.push({text: shown});
    try {
      const resp = await fetch("/api/chat/messages", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        credentials: "same-origin",
        body: JSON.stringify({text: payload, label: shown}),
      });
      const body = await resp.json();
      if (!resp.ok) { throw new Error(body.error || "Fehler"); }
      if (body.user_message_id) {
        seen.add(body.user_message_id);
        const i = pending.findIndex(function (p) { return p.text === shown; });
        if (i >= 0) { pending.splice(i, 1); }
      }
      body.messages.forEach(render);
    } catch (e) {
      // Not sent: say so at the bubble and give the typed text back, so nothing is lost.
      mine.classList.add("failed");
      mine.appendChild(document.createTextNode(" (nicht gesendet)"));
      const i = pending.findIndex(function (p) { return p.text === shown; });
      if (i >= 0) { pending.splice(i, 1); }
      if (payload === shown && !input.value) { input.value = shown; }
      error.textContent = (e.message && e.message !== "Failed to fetch") ? e.message
        : "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.";
      error.hidden = false;
    }
  }

  async function poll() {
    for (;;) {
      const started = Date.now();
      try {
        const resp = await fetch("/api/chat/events?after=" + lastId, {credentials: "same-origin"});
        if (!resp.ok) { throw new Error(String(resp.status)); }
        const body = await resp.json();
        body.messages.forEach(render);
        if (body.retry_after) {  // no conversation yet: nothing can arrive until the first message
          await new Promise(function (r) { setTimeout(r, Math.min(body.retry_after, 5) * 1000); });
        } else if (!body.messages.length && Date.now() - started < 1000) {
          await new Promise(function (r) { setTimeout(r, 1000); });
        }
      } catch (e) {
        await new Promise(function (r) { setTimeout(r, 3000); });  // web service restarting: try again
      }
    }
  }

  async function start() {
    try {
      const resp = await fetch("/api/chat/history", {credentials: "same-origin"});
      if (resp.ok) { (await resp.json()).messages.forEach(render); }
    } catch (e) { /* no history yet */ }
    poll();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });
  start();
})();
