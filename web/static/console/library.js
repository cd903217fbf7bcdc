// The "Textbausteine" tab: the team's canned replies. Every agent reads them here (and picks them with "/" in the
// reply box); accounts with the role lead also create, change and delete them.

import {api} from "../staff/api.js";
import {clear, make} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {el, state} from "./state.js";
import {announce} from "./words.js";

const library = {canEdit: false, editing: null, items: []};

// A button whose accessible name also says which item it acts on ("Bearbeiten – Drucker neu starten").
export function named(label, title) {
  const btn = make("button", "", label);
  btn.type = "button";
  btn.appendChild(make("span", "visually-hidden", " – " + title));
  return btn;
}

function entry(item) {
  const li = make("li", "canned-item");
  li.appendChild(make("h3", "canned-item-title", item.title || ""));
  li.appendChild(make("p", "canned-item-body", item.body || ""));
  if (library.canEdit) {
    const buttons = make("div", "reply-buttons");
    const edit = named(t("ui.console.canned_edit"), item.title || "");
    edit.addEventListener("click", function () { startEdit(item); });
    const remove = named(t("ui.console.canned_delete"), item.title || "");
    remove.addEventListener("click", function () { removeItem(item); });
    buttons.appendChild(edit);
    buttons.appendChild(remove);
    li.appendChild(buttons);
  }
  return li;
}

function render() {
  clear(el.cannedLibrary);
  library.items.forEach(function (item) { el.cannedLibrary.appendChild(entry(item)); });
  el.cannedLibraryEmpty.hidden = library.items.length > 0;
  el.cannedNew.hidden = !library.canEdit;
}

export async function loadLibrary() {
  const session = state.session;
  const data = await api("GET", "/api/canned-replies");
  if (session !== state.session) { return; }
  library.canEdit = !!data.can_edit;
  library.items = Array.isArray(data.canned_replies) ? data.canned_replies : [];
  render();
}

function startEdit(item) {
  library.editing = item ? item.id : null;
  el.cannedTitle.value = item ? item.title : "";
  el.cannedBody.value = item ? item.body : "";
  el.cannedError.hidden = true;
  el.cannedEditTitle.textContent = t(item ? "ui.console.canned_edit_title" : "ui.console.canned_new_title");
  el.cannedEdit.hidden = false;
  el.cannedTitle.focus();
}

function stopEdit() {
  library.editing = null;
  el.cannedEdit.hidden = true;
  el.cannedNew.focus();
}

async function save(ev) {
  ev.preventDefault();
  const title = el.cannedTitle.value.trim();
  const body = el.cannedBody.value.trim();
  if (!title || !body) {
    el.cannedError.textContent = t("ui.console.canned_missing");
    el.cannedError.hidden = false;
    (title ? el.cannedBody : el.cannedTitle).focus();
    return;
  }
  const id = library.editing;
  try {
    if (id === null) {
      await api("POST", "/api/canned-replies", {title: title, body: body});
    } else {
      await api("PUT", "/api/canned-replies/" + encodeURIComponent(id), {title: title, body: body});
    }
  } catch (e) {
    if (e.status === 401) { state.shell.sessionExpired(); return; }
    el.cannedError.textContent = e.message;
    el.cannedError.hidden = false;
    (e.body && e.body.field === "body" ? el.cannedBody : el.cannedTitle).focus();
    return;
  }
  announce(t("ui.console.canned_saved", {title: title}));
  stopEdit();
  await loadLibrary().catch(state.shell.handleError);
}

async function removeItem(item) {
  if (!window.confirm(t("ui.console.canned_delete_confirm", {title: item.title || ""}))) { return; }
  try {
    await api("DELETE", "/api/canned-replies/" + encodeURIComponent(item.id), {});
    announce(t("ui.console.canned_deleted", {title: item.title || ""}));
  } catch (e) {
    state.shell.handleError(e);
  }
  await loadLibrary().catch(state.shell.handleError);
  el.cannedNew.focus();
}

export function wireLibrary() {
  el.cannedNew.addEventListener("click", function () { startEdit(null); });
  el.cannedCancel.addEventListener("click", stopEdit);
  el.cannedEdit.addEventListener("submit", save);
  el.cannedEdit.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { stopEdit(); }
  });
}
