// The canned-reply picker: "/" typed in the reply box (at its start or after a space) opens a search field with a
// list of the team's text blocks, filled in for the open escalation by the server ({name}, {ticket}, {agent}). The
// field and list follow the ARIA combobox pattern: arrows move, Enter takes the block in place of the "/", Escape
// closes and returns to the reply box with the "/" kept. The agent still reads and sends the reply.

import {api} from "../staff/api.js";
import {clear, make} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {el, state} from "./state.js";
import {announce} from "./words.js";

const picker = {items: [], shown: [], active: -1, slash: -1, seq: 0};

export function pickerOpen() { return !el.cannedPicker.hidden; }

export function closePicker(refocus) {
  picker.seq += 1;  // an answer still on its way is dropped
  el.cannedPicker.hidden = true;
  el.cannedQuery.setAttribute("aria-expanded", "false");
  el.cannedQuery.removeAttribute("aria-activedescendant");
  el.cannedOptions.hidden = true;
  clear(el.cannedOptions);
  el.cannedStatus.textContent = "";
  picker.slash = -1;
  if (refocus && !el.reply.disabled) { el.reply.focus(); }
}

function setActive(index) {
  picker.active = index;
  Array.prototype.forEach.call(el.cannedOptions.children, function (node, i) {
    node.setAttribute("aria-selected", String(i === index));
  });
  const node = el.cannedOptions.children[index];
  if (node) {
    el.cannedQuery.setAttribute("aria-activedescendant", node.id);
    node.scrollIntoView({block: "nearest"});
  } else {
    el.cannedQuery.removeAttribute("aria-activedescendant");
  }
}

function option(item, index) {
  const li = make("li", "canned-option");
  li.id = "canned-opt-" + item.id;
  li.setAttribute("role", "option");
  li.setAttribute("aria-selected", "false");
  li.appendChild(make("span", "canned-option-title", item.title || ""));
  li.appendChild(make("span", "canned-option-text", item.text || ""));
  li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });  // the search field keeps the focus
  li.addEventListener("click", function () { choose(index); });
  return li;
}

function render() {
  const words = el.cannedQuery.value.toLocaleLowerCase("de-DE").split(/\s+/).filter(Boolean);
  picker.shown = picker.items.filter(function (item) {
    const hay = ((item.title || "") + " " + (item.body || "")).toLocaleLowerCase("de-DE");
    return words.every(function (w) { return hay.indexOf(w) !== -1; });
  });
  clear(el.cannedOptions);
  picker.shown.forEach(function (item, i) { el.cannedOptions.appendChild(option(item, i)); });
  const any = picker.shown.length > 0;
  el.cannedOptions.hidden = !any;  // an empty listbox is not offered
  el.cannedQuery.setAttribute("aria-expanded", String(any));
  setActive(any ? 0 : -1);
  if (any) {
    el.cannedStatus.textContent = t("ui.console.canned_count", {count: picker.shown.length});
  } else {
    el.cannedStatus.textContent = t(picker.items.length ? "ui.console.canned_no_match" : "ui.console.canned_empty");
  }
}

async function openPicker(slashAt) {
  const record = state.record;
  if (!record) { return; }
  const ticket = ++picker.seq;
  picker.slash = slashAt;
  picker.items = [];
  el.cannedQuery.value = "";
  el.cannedPicker.hidden = false;
  el.cannedQuery.focus();
  el.cannedStatus.textContent = t("ui.console.canned_loading");
  try {
    const data = await api("GET", "/api/escalations/" + encodeURIComponent(record.id) + "/canned-replies");
    if (ticket !== picker.seq) { return; }
    picker.items = Array.isArray(data.canned_replies) ? data.canned_replies : [];
    render();
  } catch (e) {
    if (ticket !== picker.seq) { return; }
    closePicker(true);
    state.shell.handleError(e);
  }
}

function choose(index) {
  const item = picker.shown[index];
  if (!item) { return; }
  const box = el.reply;
  const at = picker.slash;
  closePicker(false);
  if (box.disabled) { return; }
  const slash = at >= 0 && box.value.charAt(at) === "/";
  const start = slash ? at : box.selectionStart;
  const end = slash ? at + 1 : box.selectionEnd;
  box.setRangeText(item.text || "", start, end, "end");
  box.focus();
  announce(t("ui.console.canned_inserted", {title: item.title || ""}));
}

function onQueryKey(ev) {
  const count = picker.shown.length;
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    if (!count) { return; }
    const step = ev.key === "ArrowDown" ? 1 : -1;
    setActive((picker.active + step + count) % count);
  } else if (ev.key === "Enter") {
    ev.preventDefault();  // never the reply form's submit
    if (picker.active >= 0) { choose(picker.active); }
  } else if (ev.key === "Escape") {
    ev.preventDefault();
    ev.stopPropagation();
    closePicker(true);
  }
}

export function wirePicker() {
  el.reply.addEventListener("input", function (ev) {
    if (ev.inputType !== "insertText" || ev.data !== "/" || el.reply.disabled) { return; }
    const at = el.reply.selectionStart - 1;
    const before = at > 0 ? el.reply.value.charAt(at - 1) : "";
    if (el.reply.value.charAt(at) === "/" && (at === 0 || /\s/.test(before))) { openPicker(at); }
  });
  el.cannedQuery.addEventListener("input", render);
  el.cannedQuery.addEventListener("keydown", onQueryKey);
  el.cannedPicker.addEventListener("focusout", function (ev) {
    if (pickerOpen() && !el.cannedPicker.contains(ev.relatedTarget)) { closePicker(false); }
  });
}
