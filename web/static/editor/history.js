// An article's history: every version with its diff, restoring one, and the audit events.

import {api} from "../staff/api.js";
import {clear, isNumber, make} from "../staff/dom.js";
import {dateTimeText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {isDirty, loadIntoEditor, setBusy, statusText} from "./form.js";
import {failed} from "./save.js";
import {announce, articlePath, el, state} from "./state.js";

export function closeHistory() {
  state.historyOpen = false;
  el.historyContent.hidden = true;
  el.historyToggle.setAttribute("aria-expanded", "false");
  el.historyToggle.textContent = t("ui.editor.history_show");
  clear(el.versions);
  clear(el.audit);
}

export async function loadHistory() {
  if (!state.article || state.isNew) { return; }
  const slug = state.article.slug;
  const nav = state.nav;
  el.versionsStatus.textContent = t("ui.editor.history_loading");
  let answers;
  try {
    answers = await Promise.all([api("GET", articlePath(slug, "/versions")), api("GET", articlePath(slug, "/audit"))]);
  } catch (e) {
    if (nav !== state.nav) { return; }
    el.versionsStatus.textContent = "";
    state.shell.handleError(e);
    return;
  }
  if (nav !== state.nav || !state.article || state.article.slug !== slug) { return; }
  renderVersions(Array.isArray(answers[0].versions) ? answers[0].versions : []);
  renderAudit(Array.isArray(answers[1].events) ? answers[1].events : []);
}

function diffBlock(text, id) {
  const pre = make("pre", "diff");
  pre.id = id;
  pre.tabIndex = 0;
  pre.hidden = true;
  String(text || "").split("\n").forEach(function (line) {
    let kind = "diff-ctx";
    if (/^(\+\+\+|---)( |$)/.test(line)) { kind = "diff-meta"; }
    else if (line.charAt(0) === "+") { kind = "diff-add"; }
    else if (line.charAt(0) === "-") { kind = "diff-del"; }
    else if (line.indexOf("@@") === 0) { kind = "diff-hunk"; }
    pre.appendChild(make("span", kind, line || " "));
  });
  return pre;
}

function diffToggle(diff, diffId, headId) {
  const toggle = make("button", "diff-toggle", t("ui.editor.diff_show"));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", diffId);
  toggle.setAttribute("aria-describedby", headId);
  toggle.addEventListener("click", function () {
    const open = diff.hidden;
    diff.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = t(open ? "ui.editor.diff_hide" : "ui.editor.diff_show");
  });
  return toggle;
}

function renderVersions(list) {
  clear(el.versions);
  el.versionsStatus.textContent = list.length ? "" : t("ui.editor.no_versions");
  const current = state.article ? state.article.version : null;
  list.forEach(function (v) {
    const li = make("li");
    li.dataset.version = String(v.version);
    const headId = "version-" + v.version + "-head";
    const head = make("p", "version-head", t("ui.editor.version", {version: v.version}) +
      (v.version === current ? t("ui.editor.current") : "") +
      " · " + (v.author || t("ui.editor.unknown_author")) + " · " + dateTimeText(v.created_at) +
      (v.status ? " · " + statusText(v.status) : ""));
    head.id = headId;
    li.appendChild(head);
    li.appendChild(make("p", "version-change", v.change || "–"));
    const actions = make("div", "actions");
    const diffId = "version-" + v.version + "-diff";
    const diff = diffBlock(v.diff, diffId);
    diff.setAttribute("aria-label", t("ui.editor.diff_label", {version: v.version}));
    diff.setAttribute("role", "region");
    if (v.diff) { actions.appendChild(diffToggle(diff, diffId, headId)); }
    if (v.version !== current) {
      const restoreButton = make("button", "restore", t("ui.editor.restore"));
      restoreButton.type = "button";
      restoreButton.disabled = state.busy;
      restoreButton.setAttribute("aria-describedby", headId);
      restoreButton.addEventListener("click", function () { restore(v.version); });
      actions.appendChild(restoreButton);
    }
    li.appendChild(actions);
    li.appendChild(diff);
    el.versions.appendChild(li);
  });
}

function renderAudit(events) {
  clear(el.audit);
  if (!events.length) { el.audit.appendChild(make("li", "muted", t("ui.editor.no_events"))); }
  const actions = section("ui.editor.action");
  events.forEach(function (ev) {
    const what = actions[ev.action] || ev.action || "";
    const text = dateTimeText(ev.at) + " – " + what.charAt(0).toUpperCase() + what.slice(1) +
      (isNumber(ev.version) ? t("ui.editor.event_version", {version: ev.version}) : "") +
      (ev.actor ? t("ui.editor.by", {name: ev.actor}) : "");
    el.audit.appendChild(make("li", "", text));
  });
}

async function restore(version) {
  if (state.busy || !state.article) { return; }
  if (isDirty() && !window.confirm(t("ui.editor.restore_confirm", {version: version}))) { return; }
  const slug = state.article.slug;
  const nav = state.nav;
  state.shell.clearError();
  setBusy(true);
  let a;
  try {
    a = await api("POST", articlePath(slug, "/restore"), {version: version, current_version: state.baseVersion});
  } catch (e) {
    setBusy(false);
    if (nav === state.nav) { failed(e); }
    return;
  }
  try {
    a = await api("GET", articlePath(slug));  // reload: what the server now holds
  } catch (_) { /* the restore answer is the article too */ }
  setBusy(false);
  if (nav !== state.nav) { return; }
  loadIntoEditor(a, true);
  announce(t("ui.editor.restored_version", {version: version, now: a.version}));
  el.articleTitle.focus();
}

export function wireHistory() {
  el.historyToggle.addEventListener("click", function () {
    if (state.historyOpen) { closeHistory(); return; }
    state.historyOpen = true;
    el.historyContent.hidden = false;
    el.historyToggle.setAttribute("aria-expanded", "true");
    el.historyToggle.textContent = t("ui.editor.history_hide");
    loadHistory();
  });
}
