// Internal notes on the open escalation: for the desk's team only. They are sent to their own API and never
// through the reply box, so nothing here can reach the employee.

import {api} from "../staff/api.js";
import {clear, make} from "../staff/dom.js";
import {dateTimeText} from "../staff/format.js";
import {t} from "../staff/i18n.js";
import {el, state} from "./state.js";
import {announce} from "./words.js";

function noteItem(n) {
  const li = make("li", "note");
  li.dataset.id = String(n.id);
  const head = make("span", "msg-head");
  head.appendChild(make("span", "who", n.author_name || ""));
  head.appendChild(make("span", "when", dateTimeText(n.created_at)));
  li.appendChild(head);
  li.appendChild(make("span", "note-text", n.text || ""));
  return li;
}

export function renderNotes(list) {
  const notes = Array.isArray(list) ? list : [];
  clear(el.notesList);
  notes.forEach(function (n) { el.notesList.appendChild(noteItem(n)); });
  el.notesEmpty.hidden = notes.length > 0;
}

function addShown(n) {
  if (el.notesList.querySelector('[data-id="' + CSS.escape(String(n.id)) + '"]')) { return; }
  el.notesList.appendChild(noteItem(n));
  el.notesEmpty.hidden = true;
}

async function saveNote(ev) {
  ev.preventDefault();
  const record = state.record;
  const text = el.noteText.value.trim();
  if (!record || el.noteAdd.disabled) { return; }
  if (!text) {
    state.shell.showError(t("ui.console.note_empty"));
    el.noteText.focus();
    return;
  }
  const id = record.id;
  el.noteAdd.disabled = true;
  state.shell.clearError();
  try {
    const data = await api("POST", "/api/escalations/" + encodeURIComponent(id) + "/notes", {text: text});
    if (state.selectedId === id && data && data.note) {
      if (el.noteText.value.trim() === text) { el.noteText.value = ""; }
      addShown(data.note);
      announce(t("ui.console.note_saved"));
    }
  } catch (e) {
    state.shell.handleError(e);
  } finally {
    el.noteAdd.disabled = false;
  }
}

export function wireNotes() {
  el.noteForm.addEventListener("submit", saveNote);
  el.noteText.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { saveNote(ev); }
  });
}
