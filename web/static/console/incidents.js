// The "Störungen" tab: major incidents. Agents create and edit them; what employees see goes live when a lead
// publishes (the server says whether this account may: `can_publish`). Status updates ("nächste Information um")
// and the resolution go to every subscribed conversation. Everything is rendered as text.

import {api} from "../staff/api.js";
import {$, badge, clear, isNumber, make} from "../staff/dom.js";
import {countText, dateTimeText, decimal} from "../staff/format.js";
import {t} from "../staff/i18n.js";
import {named} from "./library.js";
import {state} from "./state.js";
import {announce} from "./words.js";

const el = {
  add: $("incident-new"), form: $("incident-edit"), formTitle: $("incident-edit-title"),
  title: $("incident-title"), symptoms: $("incident-symptoms"), statusText: $("incident-status-text"),
  workaround: $("incident-workaround"), services: $("incident-services"), next: $("incident-next"),
  error: $("incident-error"), cancel: $("incident-cancel"), status: $("incident-status"),
  list: $("incident-list"), empty: $("incident-empty"),
};
const inputs = {
  title: el.title, symptoms: el.symptoms, status_text: el.statusText, workaround: el.workaround,
  services: el.services, next_update_at: el.next,
};
const view = {canPublish: false, editing: null, items: []};

// "2026-12-03T09:00" for a datetime-local field, in the browser's (the desk's) local time.
function localInput(iso) {
  if (!iso) { return ""; }
  const d = new Date(iso);
  const pad = function (n) { return String(n).padStart(2, "0"); };
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
    pad(d.getMinutes());
}

function say(text) {
  el.status.textContent = text;
  announce(text);
}

function showFieldErrors(fields, nodes) {
  let first = null;
  Object.keys(nodes).forEach(function (name) {
    const message = fields && fields[name];
    const hint = $("incident-" + name + "-error");
    nodes[name].setAttribute("aria-invalid", message ? "true" : "false");
    if (hint) { hint.textContent = message || ""; hint.hidden = !message; }
    if (message && !first) { first = nodes[name]; }
  });
  return first;
}

function startEdit(item) {
  view.editing = item ? item.id : null;
  el.title.value = item ? item.title : "";
  el.symptoms.value = item ? item.symptoms : "";
  el.statusText.value = item ? item.status_text : "";
  el.workaround.value = item ? item.workaround : "";
  el.services.value = item ? (item.services || []).join(", ") : "";
  el.next.value = item ? localInput(item.next_update_at) : "";
  el.error.hidden = true;
  showFieldErrors({}, inputs);
  el.formTitle.textContent = t(item ? "ui.incidents.edit" : "ui.incidents.new");
  el.form.hidden = false;
  el.title.focus();
}

// "Als Störung anlegen" from a surge: a new incident with the surge's wording and examples filled in.
export function draftFrom(suggestion) {
  startEdit(null);
  el.title.value = String(suggestion.title || "").slice(0, el.title.maxLength);
  el.symptoms.value = String(suggestion.symptoms || "").slice(0, el.symptoms.maxLength);
  say(t("ui.incidents.surge.prefilled"));
}

function stopEdit() {
  view.editing = null;
  el.form.hidden = true;
  el.add.focus();
}

async function save(ev) {
  ev.preventDefault();
  const body = {
    title: el.title.value.trim(), symptoms: el.symptoms.value.trim(), status_text: el.statusText.value.trim(),
    workaround: el.workaround.value.trim(),
    services: el.services.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
    next_update_at: el.next.value || null,
  };
  if (!body.title || !body.symptoms || !body.status_text) {
    el.error.textContent = t("ui.incidents.missing");
    el.error.hidden = false;
    (!body.title ? el.title : !body.symptoms ? el.symptoms : el.statusText).focus();
    return;
  }
  try {
    if (view.editing === null) {
      await api("POST", "/api/incidents", body);
    } else {
      await api("PUT", "/api/incidents/" + encodeURIComponent(view.editing), body);
    }
  } catch (e) {
    if (e.status === 401) { state.shell.sessionExpired(); return; }
    el.error.textContent = e.message;
    el.error.hidden = false;
    const first = showFieldErrors(e.body && e.body.fields, inputs);
    (first || el.title).focus();
    return;
  }
  say(t("ui.incidents.saved"));
  stopEdit();
  await loadIncidents();
}

async function step(item, path, body, done) {
  try {
    const data = await api("POST", "/api/incidents/" + encodeURIComponent(item.id) + "/" + path, body);
    say(done(data));
  } catch (e) {
    if (e.status === 401) { state.shell.sessionExpired(); return false; }
    say(e.message);
    return false;
  }
  await loadIncidents();
  // Keyboard users stay where they were: on the incident's heading after the list is drawn anew.
  const heading = el.list.querySelector('[data-id="' + CSS.escape(String(item.id)) + '"]');
  if (heading) { heading.focus(); }
  return true;
}

// The message form of an active incident: a status update with the next time, or the resolution.
function messageForm(item) {
  const form = make("form", "note-form");
  const base = "incident-" + item.id;
  const label = make("label", "", t("ui.incidents.message_label"));
  label.htmlFor = base + "-text";
  const text = make("textarea");
  text.id = base + "-text";
  text.rows = 2;
  text.maxLength = 4000;
  const nextLabel = make("label", "", t("ui.incidents.next_label"));
  nextLabel.htmlFor = base + "-next";
  const next = make("input");
  next.type = "datetime-local";
  next.id = base + "-next";
  const buttons = make("div", "reply-buttons");
  const send = named(t("ui.incidents.send"), item.title);
  send.type = "submit";
  const resolve = named(t("ui.incidents.resolve"), item.title);
  buttons.appendChild(send);
  buttons.appendChild(resolve);
  [label, text, nextLabel, next, buttons].forEach(function (node) { form.appendChild(node); });

  function words() {
    const value = text.value.trim();
    if (!value) { say(t("ui.incidents.missing_text")); text.focus(); }
    return value;
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const value = words();
    if (!value) { return; }
    step(item, "updates", {text: value, next_update_at: next.value || null}, function (data) {
      return t("ui.incidents.updated", {count: data.notified || 0});
    });
  });
  resolve.addEventListener("click", function () {
    const value = words();
    if (!value) { return; }
    step(item, "resolve", {text: value}, function (data) {
      return t("ui.incidents.resolved", {count: data.notified || 0});
    });
  });
  return form;
}

// What the incident did for the desk (team level): matched messages, deflection, linked requests, satisfaction.
function figures(item) {
  const f = item.counters && typeof item.counters === "object" ? item.counters : {};
  const rating = f.csat && typeof f.csat === "object" ? f.csat : {};
  const list = make("dl", "incident-figures");
  [
    ["matched", t("ui.incidents.figures.matched_value",
      {messages: countText(f.matched_messages), conversations: countText(f.matched_conversations)})],
    ["deflected", t("ui.incidents.figures.deflected_value", {count: countText(f.deflected)})],
    ["linked", t("ui.incidents.figures.linked_value", {escalations: countText(f.escalations), tickets: countText(f.tickets)})],
    ["csat", isNumber(rating.average)
      ? t("ui.incidents.figures.csat_value", {average: decimal(rating.average, 1), answered: countText(rating.answered)})
      : t("ui.incidents.figures.csat_none")],
  ].forEach(function (pair) {
    const group = make("div");
    group.dataset.figure = pair[0];
    group.appendChild(make("dt", "", t("ui.incidents.figures." + pair[0])));
    group.appendChild(make("dd", "", pair[1]));
    list.appendChild(group);
  });
  return list;
}

function entry(item) {
  const li = make("li", "canned-item");
  const heading = make("h3", "canned-item-title", item.title || "");
  heading.tabIndex = -1;
  heading.dataset.id = String(item.id);
  li.appendChild(heading);
  const line = make("p");
  line.appendChild(badge(t("ui.incidents.status." + item.status), item.status));
  if (item.unpublished_changes) { line.appendChild(make("span", "muted", " " + t("ui.incidents.unpublished"))); }
  li.appendChild(line);
  li.appendChild(make("p", "canned-item-body", item.status_text || ""));
  li.appendChild(make("p", "muted", t("ui.incidents.counters", {subscribers: item.subscribers, updates: item.updates})));
  if (item.status !== "draft") { li.appendChild(figures(item)); }
  if (item.next_update_at) {
    li.appendChild(make("p", "muted", t("ui.incidents.next_shown", {time: dateTimeText(item.next_update_at)})));
  }
  if (item.status === "resolved") { return li; }
  const buttons = make("div", "reply-buttons");
  const edit = named(t("ui.incidents.edit_button"), item.title);
  edit.addEventListener("click", function () { startEdit(item); });
  buttons.appendChild(edit);
  if (view.canPublish && (item.status === "draft" || item.unpublished_changes)) {
    const publish = named(t("ui.incidents.publish"), item.title);
    publish.classList.add("primary");
    publish.addEventListener("click", function () {
      step(item, "publish", undefined, function () { return t("ui.incidents.published"); });
    });
    buttons.appendChild(publish);
  } else if (item.status === "draft") {
    buttons.appendChild(make("span", "hint", t("ui.incidents.publish_lead")));
  }
  li.appendChild(buttons);
  if (item.status === "active") { li.appendChild(messageForm(item)); }
  return li;
}

export async function loadIncidents() {
  const session = state.session;
  const data = await api("GET", "/api/incidents");
  if (session !== state.session) { return; }
  view.canPublish = !!data.can_publish;
  view.items = Array.isArray(data.incidents) ? data.incidents : [];
  clear(el.list);
  view.items.forEach(function (item) { el.list.appendChild(entry(item)); });
  el.empty.hidden = view.items.length > 0;
}

export function wireIncidents() {
  el.add.addEventListener("click", function () { startEdit(null); });
  el.cancel.addEventListener("click", stopEdit);
  el.form.addEventListener("submit", save);
  el.form.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { stopEdit(); }
  });
}
