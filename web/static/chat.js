// Full-screen chat: talks only to our web service; every text is rendered as text, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const error = document.getElementById("error");

  function add(role, text) {
    const div = document.createElement("div");
    div.className = "msg " + role;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function render(message) {
    const div = add("bot", message.text || "");
    if (message.article && message.article.url) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = message.article.url;
      a.textContent = message.article.title;
      a.target = "_blank";
      a.rel = "noopener";
      p.appendChild(a);
      div.appendChild(p);
    }
    if (message.buttons && message.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      message.buttons.forEach(function (b) {
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
    add("user", shown);
    try {
      const resp = await fetch("/api/chat/messages", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        credentials: "same-origin",
        body: JSON.stringify({text: payload}),
      });
      const body = await resp.json();
      if (!resp.ok) { throw new Error(body.error || "Fehler"); }
      body.messages.forEach(render);
    } catch (e) {
      error.textContent = e.message || "Der Assistent ist gerade nicht erreichbar.";
      error.hidden = false;
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });
})();
