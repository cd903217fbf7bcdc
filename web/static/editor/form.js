// One article's form: filling it, what is unsaved, its status line, opening an article or a new one.

import {api} from "../staff/api.js";
import {clear, isNumber, make, ownUrl} from "../staff/dom.js";
import {dateTimeText, isoDay} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {closeHistory, loadHistory} from "./history.js";
import {ensureOwners} from "./list.js";
import {schedulePreview} from "./preview.js";
import {clearFieldErrors, hideConflict} from "./save.js";
import {announce, articlePath, el, field, FIELDS, slugify, state} from "./state.js";

export function statusText(status) { return section("article.status")[status] || String(status || ""); }

export function rawFields() {
  const raw = {};
  FIELDS.forEach(function (name) { raw[name] = field[name].value; });
  return raw;
}

function lines(text) {
  return String(text || "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
}

// What the API takes: tags and questions as lists.
export function payload() {
  const raw = rawFields();
  return {
    slug: raw.slug.trim(),
    title: raw.title.trim(),
    language: raw.language,
    tags: raw.tags.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
    owner: raw.owner.trim(),
    reviewed: raw.reviewed,
    review_by: raw.review_by,
    audience: raw.audience.trim(),
    questions: lines(raw.questions),
    notes: raw.notes,
    body: raw.body,
  };
}

function setValue(input, value) {
  const text = value === undefined || value === null ? "" : String(value);
  if (input.tagName === "SELECT" && text && !Array.prototype.some.call(input.options, function (o) {
    return o.value === text;
  })) {
    const option = make("option", "", text);
    option.value = text;
    input.appendChild(option);
  }
  if (input.value !== text) { input.value = text; }  // untouched fields keep the caret where it is
}

export function fillForm(a) {
  setValue(field.slug, a.slug);
  setValue(field.title, a.title);
  setValue(field.language, a.language || "de");
  setValue(field.tags, Array.isArray(a.tags) ? a.tags.join(", ") : a.tags);
  setValue(field.owner, a.owner);
  setValue(field.reviewed, a.reviewed);
  // The list shows the due date; the form edits what was set ("" = one year after the last review).
  setValue(field.review_by, a.review_by_set !== undefined ? a.review_by_set : a.review_by);
  setValue(field.audience, a.audience);
  setValue(field.questions, Array.isArray(a.questions) ? a.questions.join("\n") : a.questions);
  setValue(field.notes, a.notes);
  setValue(field.body, a.body);
}

export function markClean() {
  state.snapshot = JSON.stringify(rawFields());
  updateDirty();
}

export function isDirty() { return state.snapshot !== "" && JSON.stringify(rawFields()) !== state.snapshot; }

export function updateDirty() { el.dirty.hidden = !isDirty(); }

export function setSlugEditable(editable) {
  field.slug.readOnly = !editable;
  el.slugHint.textContent = t(editable ? "ui.editor.slug_new" : "ui.editor.slug_fixed");
}

export function renderStatus() {
  const a = state.article;
  if (state.isNew || !a) {
    el.articleTitle.textContent = t("ui.editor.view.new");
    el.articleStatus.textContent = t("ui.editor.new_badge");
    el.articleStatus.className = "badge badge-draft";
    el.articleMeta.textContent = t("ui.editor.not_saved");
    el.articleUrl.hidden = true;
  } else {
    el.articleTitle.textContent = a.title || a.slug;
    el.articleStatus.textContent = statusText(a.status);
    el.articleStatus.className = "badge badge-" + (a.status || "");
    const parts = [t("ui.editor.version", {version: isNumber(a.version) ? a.version : "–"})];
    if (a.updated_at) {
      const by = a.updated_by ? t("ui.editor.by", {name: a.updated_by}) : "";
      parts.push(t("ui.editor.changed", {time: dateTimeText(a.updated_at), by: by}));
    }
    el.articleMeta.textContent = parts.join(" · ");
    const url = a.status === "published" ? ownUrl(a.url) : null;
    el.articleUrl.hidden = !url;
    if (url) { el.articleUrl.href = url; }
  }
  el.retire.hidden = state.isNew;
  el.retire.disabled = state.busy || !a || a.status === "retired";
  el.publish.textContent = t(a && a.status === "published" && !state.isNew ? "ui.editor.republish" : "ui.editor.publish");
  el.historyPanel.hidden = state.isNew;
  const name = state.isNew ? t("ui.editor.view.new") : (a && a.title) || t("ui.editor.view.list");
  document.title = name + " – " + t("ui.editor.title_suffix");
}

export function setBusy(busy) {
  state.busy = busy;
  el.save.disabled = busy;
  el.publish.disabled = busy;
  el.retire.disabled = busy || !state.article || state.article.status === "retired";
  el.conflictOverwrite.disabled = busy;
  el.conflictTake.disabled = busy;
  el.versions.querySelectorAll("button.restore").forEach(function (b) { b.disabled = busy; });
  if (busy) { el.form.setAttribute("aria-busy", "true"); } else { el.form.removeAttribute("aria-busy"); }
}

function resetPanels() {
  clearFieldErrors();
  hideConflict();
  el.testError.hidden = true;
  el.testResult.hidden = true;
  clear(el.testHits);
}

// A loaded (or reloaded) article replaces the form.
export function loadIntoEditor(a, keepHistory) {
  const sameArticle = state.article && !state.isNew && state.article.slug === a.slug;
  state.article = a;
  state.baseVersion = a.version;
  state.isNew = false;
  state.slugTouched = true;
  resetPanels();
  fillForm(a);
  setSlugEditable(false);
  markClean();
  renderStatus();
  schedulePreview(0);
  if (!(keepHistory && sameArticle)) { closeHistory(); } else if (state.historyOpen) { loadHistory(); }
}

export async function openArticle(slug, focus, route) {
  const nav = state.nav;
  let a;
  try {
    a = await api("GET", articlePath(slug));
  } catch (e) {
    if (nav !== state.nav) { return; }
    // Unknown, or damaged (its stored text cannot be read: the list marks it "beschädigt").
    if (e.status === 404 || (e.status === 409 && e.body && e.body.damaged)) {
      history.replaceState(null, "", "#/list");
      await route(focus);
      state.shell.showError(e.message || t("ui.editor.not_found"));
      return;
    }
    state.shell.handleError(e);
    return;
  }
  if (nav !== state.nav) { return; }
  const same = state.shell.view === "article" && state.article && state.article.slug === a.slug;
  loadIntoEditor(a, same);
  applyStash();
  state.shell.showView("article");
  renderStatus();
  if (focus) { el.articleTitle.focus(); }
  ensureOwners();
}

function emptyArticle() {
  return {
    slug: "", title: "", language: "de", tags: [], owner: "", reviewed: isoDay(new Date()), review_by: "",
    audience: t("ui.editor.audience_default"), questions: [], notes: "", body: t("ui.editor.body_template"),
  };
}

export function newArticle(focus) {
  const prefill = state.prefill;
  state.prefill = null;
  state.article = null;
  state.baseVersion = null;
  state.isNew = true;
  state.slugTouched = false;
  resetPanels();
  closeHistory();
  fillForm(emptyArticle());
  setSlugEditable(true);
  markClean();
  if (prefill) {
    fillForm(Object.assign(emptyArticle(), prefill));
    field.slug.value = slugify(field.title.value);
    updateDirty();  // a draft from the gap queue is unsaved work
  }
  applyStash();
  state.shell.showView("article");
  renderStatus();
  schedulePreview(0);
  if (focus) { el.articleTitle.focus(); }
  ensureOwners();
}

// After a re-login, the form the expired session left behind comes back.
function applyStash() {
  const stash = state.stash;
  if (!stash || stash.hash !== window.location.hash) { return; }
  state.stash = null;
  fillForm(stash.fields);
  if (!state.isNew && stash.baseVersion !== null) { state.baseVersion = stash.baseVersion; }
  updateDirty();
  schedulePreview(0);
  announce(t("ui.editor.restored"));
}

export function wireForm(save) {
  el.form.addEventListener("input", function (ev) {
    if (ev.target === field.slug) { state.slugTouched = true; }
    if (ev.target === field.title && state.isNew && !state.slugTouched) { field.slug.value = slugify(field.title.value); }
    if (ev.target === field.body) { schedulePreview(300); }
    updateDirty();
  });
  el.form.addEventListener("change", updateDirty);
  el.form.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === "s" || ev.key === "S")) {
      ev.preventDefault();
      save();
    }
  });
}
