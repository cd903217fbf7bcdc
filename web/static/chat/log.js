// The conversation as the employee sees it: messages in id order, own messages before the server stored them,
// choices that close once answered, the unread badge.

import {c, ROLES} from "./context.js";
import {clear, clock, closeRow, make, messageNode, reopenRow} from "./render.js";
import {showEscalate} from "./welcome.js";

const state = c.state;

function nearBottom() { return c.el.log.scrollHeight - c.el.log.scrollTop - c.el.log.clientHeight < 120; }

export function scrollToEnd() { c.el.log.scrollTop = c.el.log.scrollHeight; }

// A user message answers the open choices before it: they close, the matching one is marked.
// The rating question stays open until a rating arrives (typed text there is something else).
export function answerChoices(text, data) {
  const rating = typeof data.payload === "string" && data.payload.indexOf("/csat") === 0;
  c.el.log.querySelectorAll(".choices").forEach(function (row) {
    const open = Array.prototype.some.call(row.querySelectorAll("button"), function (b) { return !b.disabled; });
    if (!open || (row.hasAttribute("data-csat") && !rating)) { return; }
    const chosen = Array.prototype.find.call(row.querySelectorAll("button"), function (b) {
      return (b.getAttribute("data-title") || b.textContent) === text;
    });
    closeRow(row, chosen || null);
  });
}

// Messages go in id order; own messages waiting for their id stay where they were typed.
function insert(node, id) {
  if (id) {
    node.setAttribute("data-id", String(id));
    const later = Array.prototype.find.call(c.el.log.children, function (child) {
      return Number(child.getAttribute("data-id")) > id;
    });
    if (later) {
      c.el.log.insertBefore(node, later);
      return;
    }
  }
  c.el.log.appendChild(node);
}

export function settle(pending, id, createdAt) {
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
  emptyState(false);
  if (follow || role === "user") { scrollToEnd(); }
  if (live && role !== "user" && !state.open) { noteUnread(); }
}

export function receive(body, live) {
  if (body && Array.isArray(body.messages)) {
    body.messages.forEach(function (m) { render(m, live); });
  }
  if (body && Object.prototype.hasOwnProperty.call(body, "handoff")) { setHandoff(body.handoff); }
}

// While the request waits for an agent, it can be withdrawn (the button shows only then).
export function setHandoff(status) {
  state.handoff = typeof status === "string" ? status : null;
  c.el.withdraw.hidden = state.handoff !== "waiting";
  showEscalate(state.handoff);
}

// Before the first message: the greeting and the welcome (hours, topics, privacy notice); then the conversation.
function emptyState(empty) {
  c.el.intro.hidden = !empty;
  c.el.welcome.hidden = !empty;
}

export function resetLog() {
  clear(c.el.log);
  state.seen.clear();
  state.lastId = 0;
  state.pending = [];
  emptyState(true);
}

function noteUnread() {
  if (state.fullscreen) { return; }
  state.unread += 1;
  c.el.badgeCount.textContent = String(state.unread);
  c.el.badgeText.textContent = " – " + (state.unread === 1 ? c.t("unread_one") : c.t("unread", {count: state.unread}));
  c.el.badge.hidden = false;
  c.el.notify.textContent = c.t("notify");
}

export function clearUnread() {
  if (state.fullscreen) { return; }
  state.unread = 0;
  c.el.badge.hidden = true;
  c.el.badgeCount.textContent = "";
  c.el.badgeText.textContent = "";
  c.el.notify.textContent = "";
}

// The red line above the composer; with `retry`, a button that tries again. It takes room from the log, so a log
// that showed its last message scrolls on: the banner never hides the newest notice.
export function showError(message, retry) {
  const follow = nearBottom();
  c.el.errorText.textContent = message;
  c.el.retry.hidden = !retry;
  c.el.retry.onclick = retry ? function () {
    hideError();
    retry();
  } : null;
  c.el.error.hidden = false;
  if (follow) { scrollToEnd(); }
}

export function hideError() {
  c.el.error.hidden = true;
  c.el.errorText.textContent = "";
  c.el.retry.hidden = true;
  c.el.retry.onclick = null;
}

export function busy(delta) {
  state.sending = Math.max(0, state.sending + delta);
  const follow = nearBottom();
  c.el.typing.hidden = state.sending === 0;
  if (follow) { scrollToEnd(); }
}

export function addPending(label, text) {
  // Sent again after a failure: the new bubble replaces the failed one.
  state.pending.filter(function (p) { return p.failed && p.label === label; }).forEach(function (p) {
    state.pending.splice(state.pending.indexOf(p), 1);
    if (p.node.parentNode) { p.node.parentNode.removeChild(p.node); }
  });
  const node = messageNode("user", label, {}, null);
  const pending = {label: label, text: text === undefined ? label : text, node: node, failed: false};
  state.pending.push(pending);
  c.el.log.appendChild(node);
  emptyState(false);
  scrollToEnd();
  return pending;
}

export function notSent(pending) {
  if (!pending.failed) {
    pending.failed = true;
    pending.node.classList.add("failed");
    pending.node.querySelector(".bubble").appendChild(make("p", "not-sent", c.t("not_sent")));
  }
}

export {closeRow, reopenRow};
