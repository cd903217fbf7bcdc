// IT-Service-Desk chat widget: the loader an intranet page embeds with one script tag.
//   <script src="https://servicedesk.example/widget.js" data-language="de" async></script>
// Optional: data-identity="<signed employee token>" or window.ServicedeskIdentity.
// On a page with <main id="servicedesk-fullscreen"> (our /chat page) the chat fills that element at once.
//
// Until the launcher is clicked this is all that runs: a button in a Shadow DOM and its words from the text
// catalogue. No session, no history, no WebSocket, no database row: the chat module (static/chat/chat.js) is
// imported on first open. Everything from the server is rendered with textContent.
(function () {
  "use strict";

  const script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || window.ServicedeskWidgetLoaded) { return; }
  window.ServicedeskWidgetLoaded = true;

  // Everything lives next to widget.js, also behind a path prefix (https://host/servicedesk/widget.js).
  const BASE = script.src.replace(/[?#].*$/, "").replace(/\/widget\.js$/, "");
  const OPEN_KEY = "servicedesk.open";
  const LANG = (script.getAttribute("data-language") || "de").toLowerCase().slice(0, 2) === "en" ? "en" : "de";

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function wasOpen() {
    try { return window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (_) { return false; }
  }

  async function texts() {
    try {
      const resp = await fetch(BASE + "/texts/" + LANG + ".json", {mode: "cors", credentials: "omit"});
      return resp.ok ? await resp.json() : {};
    } catch (_) {
      return {};
    }
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

  async function mount() {
    const target = document.getElementById("servicedesk-fullscreen");
    let host = target;
    if (!host) {
      host = document.getElementById("servicedesk-widget") || document.createElement("div");
      host.id = "servicedesk-widget";
      if (!host.parentNode) { document.body.appendChild(host); }
    }
    if (host.shadowRoot) { return; }
    host.setAttribute("data-state", "loading");
    host.setAttribute("data-mode", target ? "fullscreen" : "widget");
    const T = await texts();
    const shadow = host.attachShadow({mode: "open"});
    const link = make("link");
    link.rel = "stylesheet";
    link.href = BASE + "/static/widget.css";
    shadow.appendChild(link);
    const root = target ? make("div", "sd-root sd-fullscreen") : make("aside", "sd-root sd-widget");
    root.lang = LANG;
    root.hidden = true;  // until the stylesheet is there: no flash of an unstyled launcher
    shadow.appendChild(root);
    const ui = {host: host, shadow: shadow, root: root, fullscreen: !!target};
    let chat = null;  // the chat module's controller, once imported and started
    let loading = null;

    // The chat module, imported once; later clicks go straight to it.
    function load() {
      if (!loading) {
        loading = import(BASE + "/static/chat/chat.js").then(function (module) {
          chat = module.start({ui: ui, base: BASE, lang: LANG, texts: T, identity: identity()});
          return chat;
        });
      }
      return loading;
    }

    if (!target) {
      root.setAttribute("aria-label", T["ui.widget.region"] || "IT-Service-Desk");
      ui.launcher = make("button", "launcher");
      ui.launcher.type = "button";
      ui.launcher.id = "sd-launcher";
      ui.launcher.setAttribute("aria-expanded", "false");
      ui.launcher.setAttribute("aria-controls", "sd-panel");
      ui.launcher.appendChild(bubbleIcon());
      ui.launcher.appendChild(make("span", "launcher-text", T["ui.widget.launcher"] || "IT-Service-Desk"));
      root.appendChild(ui.launcher);
      ui.launcher.addEventListener("click", function () {
        // Until the chat is there nothing is open to close: a click (even during a restore) opens it.
        if (chat) { chat.toggle(); } else { load().then(function (c) { c.setOpen(true, true); }); }
      });
    }
    const show = function () {
      root.hidden = false;
      if (target) { load(); return; }  // the full-screen chat says it is ready itself
      // A chat that was open before a reload is open again before the widget says it is ready.
      const restored = wasOpen() ? load().then(function (c) { c.setOpen(true, false); }) : Promise.resolve();
      restored.catch(function () {}).then(function () { host.setAttribute("data-state", "ready"); });
    };
    link.addEventListener("load", show);
    link.addEventListener("error", show);
  }

  function identity() {
    const given = script.getAttribute("data-identity") || window.ServicedeskIdentity;
    return typeof given === "string" && given ? given : null;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
