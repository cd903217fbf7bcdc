// The chat itself, imported by widget.js when the launcher is first clicked (or at once on the /chat page).
// It builds the panel inside the loader's Shadow DOM (no inline styles: the host page's CSP may forbid them),
// then starts the session, the history and the live updates.

import {buildBanner, followIncidents} from "./banner.js";
import {c, remember} from "./context.js";
import {clearUnread, closeRow, receive, reopenRow, resetLog, scrollToEnd, setHandoff} from "./log.js";
import {make} from "./render.js";
import {buildScreenshot, wireScreenshot} from "./screenshot.js";
import {action, api as request, connect, opened, send, start as talk} from "./talk.js";
import {buildFoot, buildWelcome, loadWelcome} from "./welcome.js";

const OPEN_KEY = "servicedesk.open";
const state = c.state;
let api = null;

function headButton(id, text) {
  const button = make("button", "head-button", text);
  button.type = "button";
  button.id = id;
  return button;
}

function build(ui) {
  const el = c.el;
  Object.assign(el, ui);
  if (!state.fullscreen) {
    el.badge = make("span", "badge");
    el.badge.id = "sd-badge";
    el.badge.hidden = true;
    el.badgeCount = make("span", "");
    el.badgeCount.setAttribute("aria-hidden", "true");
    el.badgeText = make("span", "vh");
    el.badge.appendChild(el.badgeCount);
    el.badge.appendChild(el.badgeText);
    el.launcher.appendChild(el.badge);
    el.notify = make("div", "vh");
    el.notify.id = "sd-notify";
    el.notify.setAttribute("role", "status");
    el.root.appendChild(el.notify);
  }
  el.panel = make("div", "panel");
  el.panel.id = "sd-panel";
  if (!state.fullscreen) {
    el.panel.setAttribute("role", "dialog");
    el.panel.setAttribute("aria-modal", "false");
    el.panel.setAttribute("aria-labelledby", "sd-title");
    el.panel.hidden = true;
  }
  const head = make("div", "head");
  const title = make(state.fullscreen ? "h1" : "h2", "title", c.t("title"));
  title.id = "sd-title";
  head.appendChild(title);
  const actions = make("div", "actions");
  el.newChat = headButton("sd-new", c.t("new_chat"));
  el.endChat = headButton("sd-end", c.t("end_chat"));
  el.withdraw = headButton("sd-withdraw", c.t("withdraw"));
  el.withdraw.hidden = true;  // only while the request waits for an agent
  actions.appendChild(el.newChat);
  actions.appendChild(el.endChat);
  actions.appendChild(el.withdraw);
  head.appendChild(actions);
  if (!state.fullscreen) {
    el.close = headButton("sd-close", "");
    el.close.classList.add("close");
    el.close.setAttribute("aria-label", c.t("close"));
    const x = make("span", "", "×");
    x.setAttribute("aria-hidden", "true");
    el.close.appendChild(x);
    head.appendChild(el.close);
  }
  el.panel.appendChild(head);
  el.panel.appendChild(buildBanner());

  el.intro = make("p", "intro", c.t("intro"));
  el.intro.id = "sd-intro";
  el.panel.appendChild(el.intro);
  el.panel.appendChild(buildWelcome());
  el.log = make("div", "log");
  el.log.id = "sd-log";
  el.log.setAttribute("role", "log");
  el.log.setAttribute("aria-live", "polite");
  el.log.setAttribute("aria-relevant", "additions");
  el.log.setAttribute("aria-label", c.t("log"));
  el.log.tabIndex = 0;  // scrollable: reachable by keyboard
  el.panel.appendChild(el.log);

  el.typing = make("div", "typing");
  el.typing.id = "sd-typing";
  el.typing.setAttribute("role", "status");
  el.typing.hidden = true;
  const dots = make("span", "dots");
  dots.setAttribute("aria-hidden", "true");
  for (let i = 0; i < 3; i++) { dots.appendChild(make("span", "dot")); }
  el.typing.appendChild(dots);
  el.typing.appendChild(make("span", "", c.t("typing")));
  el.panel.appendChild(el.typing);

  el.error = make("div", "error");
  el.error.id = "sd-error";
  el.error.setAttribute("role", "alert");
  el.error.hidden = true;
  el.errorText = make("p", "error-text");
  el.retry = make("button", "retry", c.t("retry"));
  el.retry.type = "button";
  el.retry.id = "sd-retry";
  el.retry.hidden = true;
  el.error.appendChild(el.errorText);
  el.error.appendChild(el.retry);
  el.panel.appendChild(el.error);

  el.form = make("form", "composer");
  el.form.id = "sd-form";
  el.form.noValidate = true;
  const label = make("label", "vh", c.t("input_label"));
  label.htmlFor = "sd-input";
  el.input = make("input", "input");
  el.input.id = "sd-input";
  el.input.type = "text";
  el.input.autocomplete = "off";
  el.input.maxLength = 1000;
  el.input.placeholder = c.t("placeholder");
  el.send = make("button", "send", c.t("send"));
  el.send.id = "sd-send";
  el.send.type = "submit";
  el.send.setAttribute("aria-label", c.t("send_name"));
  el.form.appendChild(label);
  el.form.appendChild(el.input);
  el.form.appendChild(el.send);
  el.panel.appendChild(el.form);
  el.panel.appendChild(buildFoot());
  el.root.appendChild(el.panel);
  buildScreenshot();
}

function choose(row, button, payload, title) {
  if (button.disabled) { return; }
  closeRow(row, button);
  c.el.input.focus();  // the clicked button is disabled now; the composer is the next sensible place
  send(payload, title, {onFail: function () { reopenRow(row, button); }});
}

function setOpen(open, moveFocus) {
  if (state.fullscreen) { return; }
  const wasOpen = state.open;
  state.open = open;
  c.el.panel.hidden = !open;
  c.el.launcher.setAttribute("aria-expanded", String(open));
  c.el.root.classList.toggle("is-open", open);
  remember("session", OPEN_KEY, open ? "1" : null);
  followIncidents(open);
  if (open) {
    clearUnread();
    scrollToEnd();
    if (moveFocus) { c.el.input.focus(); }
    if (!wasOpen) { opened(); }
  } else if (moveFocus) {
    c.el.launcher.focus();
  }
}

function wire() {
  const el = c.el;
  wireScreenshot();
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
  // The one escalation: the same payload the bot's own "Mit dem Service Desk sprechen" buttons send.
  el.escalate.addEventListener("click", function () {
    send("/request_human", el.escalate.textContent);
  });
  el.withdraw.addEventListener("click", function () {
    action("/api/chat/withdraw", function (body) {
      receive(body, false);
      setHandoff(null);
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
    el.close.addEventListener("click", function () { setOpen(false, true); });
    el.root.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && state.open) {
        ev.preventDefault();
        setOpen(false, true);
      }
    });
  }
}

// Called once by the loader; the launcher's later clicks go to toggle().
export function start(options) {
  if (api) { return api; }
  c.base = options.base;
  c.lang = options.lang;
  c.texts = options.texts || {};
  c.choose = choose;
  state.fullscreen = options.ui.fullscreen;
  state.identity = options.identity;
  build(options.ui);
  wire();
  talk();
  loadWelcome(request, function (question) {
    c.el.input.focus();  // the topic buttons go with the empty state: keep the keyboard in the chat
    send(question, question);
  });
  if (state.fullscreen) {
    opened();
    followIncidents(true);
  }
  api = {
    setOpen: setOpen,
    toggle: function () { setOpen(!state.open, true); },
  };
  return api;
}
