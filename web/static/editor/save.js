// Saving, publishing and retiring an article; field errors (400) and conflicts with someone else's save (409).

import {api} from "../staff/api.js";
import {clear, make} from "../staff/dom.js";
import {dateTimeText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {
  fillForm, isDirty, loadIntoEditor, markClean, payload, rawFields, renderStatus, setBusy, setSlugEditable,
  statusText, updateDirty,
} from "./form.js";
import {loadHistory} from "./history.js";
import {announce, articlePath, baseDescribedBy, el, field, FIELDS, state} from "./state.js";

export function clearFieldErrors() {
  FIELDS.forEach(function (name) {
    const err = document.getElementById("f-" + name + "-error");
    err.hidden = true;
    err.textContent = "";
    field[name].removeAttribute("aria-invalid");
    if (baseDescribedBy[name]) {
      field[name].setAttribute("aria-describedby", baseDescribedBy[name]);
    } else {
      field[name].removeAttribute("aria-describedby");
    }
  });
  el.errorSummary.hidden = true;
  clear(el.errorList);
}

function showFieldErrors(fields, message) {
  clearFieldErrors();
  const labels = section("article.field");
  const names = Object.keys(fields || {});
  names.forEach(function (name) {
    const text = String(fields[name] || message || "");
    const input = field[name];
    const li = make("li");
    if (input) {
      const err = document.getElementById("f-" + name + "-error");
      err.textContent = text;
      err.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", (baseDescribedBy[name] + " " + err.id).trim());
      const jump = make("button", "linklike", (labels[name] || name) + ": " + text);
      jump.type = "button";
      jump.addEventListener("click", function () { input.focus(); });
      li.appendChild(jump);
    } else {
      li.textContent = name + ": " + text;
    }
    el.errorList.appendChild(li);
  });
  if (!names.length) { el.errorList.appendChild(make("li", "", message || t("ui.failed"))); }
  el.errorSummary.hidden = false;
  el.errorSummary.focus();
}

export function hideConflict() {
  state.conflict = null;
  el.conflict.hidden = true;
  el.conflictText.textContent = "";
  el.conflictCurrent.hidden = true;
  el.conflictLoad.setAttribute("aria-expanded", "false");
}

function showConflict(message, current) {
  state.conflict = current && typeof current === "object" ? current : null;
  el.conflictCurrent.hidden = true;
  el.conflictLoad.setAttribute("aria-expanded", "false");
  el.conflict.hidden = false;
  el.conflictText.textContent = message || t("ui.editor.conflict");  // set after showing, so it is announced
  updateDirty();
  el.conflictLoad.focus();
}

// 400 → field errors, 409 → conflict, anything else → the page's error line.
export function failed(e) {
  if (e.status === 400 && e.body && (e.body.fields || e.body.field)) {
    const fields = e.body.fields || {};
    if (e.body.field && !fields[e.body.field]) { fields[e.body.field] = e.message; }
    showFieldErrors(fields, e.message);
    return;
  }
  if (e.status === 400) { showFieldErrors({}, e.message); return; }
  if (e.status === 409 && state.isNew) {
    showFieldErrors(e.body && e.body.fields ? e.body.fields : {slug: e.message}, e.message);
    return;
  }
  if (e.status === 409) { showConflict(e.message, e.body && e.body.current); return; }
  state.shell.handleError(e);
}

export async function save() {
  if (state.busy) { return null; }
  state.shell.clearError();
  clearFieldErrors();
  const sent = JSON.stringify(rawFields());
  const body = payload();
  const wasNew = state.isNew;
  const nav = state.nav;
  setBusy(true);
  let a;
  try {
    if (wasNew) {
      a = await api("POST", "/api/articles", body);
    } else {
      body.version = state.baseVersion;
      delete body.slug;
      a = await api("PUT", articlePath(state.article.slug), body);
    }
  } catch (e) {
    setBusy(false);
    if (nav === state.nav) { failed(e); }
    return null;
  }
  setBusy(false);
  if (nav !== state.nav) { return a; }
  state.article = a;
  state.baseVersion = a.version;
  state.isNew = false;
  hideConflict();
  if (JSON.stringify(rawFields()) === sent) {
    fillForm(a);  // the server's normalised form (e.g. the review date it filled in)
    markClean();
  } else {
    state.snapshot = sent;  // typed on while saving: that part is still unsaved
    updateDirty();
  }
  setSlugEditable(false);
  if (wasNew) {
    history.replaceState(null, "", "#/article/" + encodeURIComponent(a.slug));
    state.lastHash = window.location.hash;
  }
  renderStatus();
  if (state.historyOpen) { loadHistory(); }
  announce(wasNew ? t("ui.editor.created") : t("ui.editor.saved", {version: a.version}));
  return a;
}

// A status change (publish, retire) from the server; unsaved text in the form stays.
function adopt(a) {
  const dirty = isDirty();
  state.article = a;
  state.baseVersion = a.version;
  if (!dirty) {
    fillForm(a);
    markClean();
  }
  renderStatus();
  if (state.historyOpen) { loadHistory(); }
}

async function changeStatus(method, path, body, done) {
  const nav = state.nav;
  setBusy(true);
  let a;
  try {
    a = await api(method, path, body);
  } catch (e) {
    setBusy(false);
    if (nav === state.nav) { failed(e); }
    return;
  }
  setBusy(false);
  if (nav !== state.nav) { return; }
  adopt(a);
  announce(done);
}

export function wireSave() {
  el.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    save();
  });

  el.publish.addEventListener("click", async function () {
    if (state.busy) { return; }
    if (state.isNew || isDirty()) {
      const saved = await save();
      if (!saved) { return; }
    }
    // The version shown: publishing what someone else changed meanwhile is a conflict, not a surprise.
    await changeStatus("POST", articlePath(state.article.slug, "/publish"), {version: state.baseVersion},
      t("ui.editor.published"));
  });

  el.retire.addEventListener("click", async function () {
    const a0 = state.article;
    if (state.busy || !a0 || state.isNew) { return; }
    if (!window.confirm(t("ui.editor.retire_confirm", {title: a0.title || a0.slug}))) { return; }
    await changeStatus("DELETE", articlePath(a0.slug), undefined, t("ui.editor.retired"));
  });

  el.conflictLoad.addEventListener("click", async function () {
    if (!state.article) { return; }
    let current = state.conflict;
    try {
      current = await api("GET", articlePath(state.article.slug));
    } catch (e) {
      if (!current) { state.shell.handleError(e); return; }
    }
    state.conflict = current;
    el.conflictCurrentMeta.textContent = t("ui.editor.conflict_meta", {
      version: current.version,
      status: statusText(current.status),
      saved: current.updated_at ? t("ui.editor.saved_at", {time: dateTimeText(current.updated_at)}) : "",
      by: current.updated_by ? t("ui.editor.by", {name: current.updated_by}) : "",
    });
    el.conflictCurrentName.textContent = current.title || "";
    el.conflictCurrentBody.textContent = current.body || "";
    el.conflictCurrent.hidden = false;
    el.conflictLoad.setAttribute("aria-expanded", "true");
    el.conflictCurrentTitle.focus();
  });

  el.conflictTake.addEventListener("click", function () {
    const current = state.conflict;
    if (!current) { return; }
    loadIntoEditor(current, true);
    announce(t("ui.editor.latest_loaded", {version: current.version}));
    el.articleTitle.focus();
  });

  el.conflictOverwrite.addEventListener("click", async function () {
    const current = state.conflict;
    if (!current) { return; }
    // Deliberately on top of the newest version: the editor has seen it and chose their own text.
    state.article = current;
    state.baseVersion = current.version;
    hideConflict();
    await save();
  });
}
