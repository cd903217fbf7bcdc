// The gap queue: unanswered questions clustered by meaning; draft an article from a cluster, or dismiss it.

import {api} from "../staff/api.js";
import {clear, isNumber, make, numberRow} from "../staff/dom.js";
import {countText, dateTimeText, weekText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {announce, el, state} from "./state.js";

export async function showGaps(focus) {
  const nav = state.nav;
  let data;
  try {
    data = await api("GET", "/api/knowledge/gaps");
  } catch (e) {
    if (nav !== state.nav) { return; }
    state.shell.handleError(e);
    if (e.status !== 401 && !state.shell.isNoRole(e)) { state.shell.showView("gaps"); }
    return;
  }
  if (nav !== state.nav) { return; }
  state.gaps = {
    clusters: (Array.isArray(data.clusters) ? data.clusters : []).slice().sort(function (a, b) {
      return (b.size || 0) - (a.size || 0);
    }),
    total: isNumber(data.total) ? data.total : null,
    dismissed: isNumber(data.dismissed) ? data.dismissed : 0,
  };
  renderGaps();
  state.shell.showView("gaps");
  if (focus) { el.gapsTitle.focus(); }
}

function plural(count, one, many) { return count === 1 ? t(one) : t(many, {count: countText(count)}); }

function gapsSummaryText() {
  const g = state.gaps;
  const total = g.total !== null ? g.total : g.clusters.reduce(function (n, c) { return n + (c.size || 0); }, 0);
  return t("ui.editor.gaps_summary", {
    questions: plural(total, "ui.editor.question_one", "ui.editor.questions"),
    groups: plural(g.clusters.length, "ui.editor.group_one", "ui.editor.groups"),
    dismissed: g.dismissed ? t("ui.editor.dismissed", {count: countText(g.dismissed)}) : ".",
  });
}

function renderGaps() {
  clear(el.gaps);
  state.gaps.clusters.forEach(function (c, i) { el.gaps.appendChild(gapItem(c, i)); });
  el.gapsEmpty.hidden = state.gaps.clusters.length > 0;
  el.gapsSummary.textContent = gapsSummaryText();
}

function weeksTable(weeks) {
  const table = make("table", "weeks");
  table.appendChild(make("caption", "", t("ui.editor.per_week")));
  const thead = make("thead");
  const headRow = make("tr");
  const wh = make("th", "", t("ui.editor.week"));
  wh.scope = "col";
  const ch = make("th", "num", t("ui.editor.count_col"));
  ch.scope = "col";
  headRow.appendChild(wh);
  headRow.appendChild(ch);
  thead.appendChild(headRow);
  table.appendChild(thead);
  const tbody = make("tbody");
  weeks.forEach(function (w) {
    tbody.appendChild(numberRow(weekText(w && w.week), [countText(w && w.count)]));
  });
  table.appendChild(tbody);
  return table;
}

function reasonsBox(c) {
  const box = make("div");
  box.appendChild(make("h3", "", t("ui.editor.reasons")));
  const reasons = make("ul", "reasons");
  const words = section("ui.editor.gap_reason");
  const r = c.reasons && typeof c.reasons === "object" ? c.reasons : {};
  Object.keys(r).filter(function (k) { return isNumber(r[k]) && r[k] > 0; }).forEach(function (k) {
    reasons.appendChild(make("li", "", (words[k] || k) + ": " + countText(r[k])));
  });
  if (!reasons.children.length) { reasons.appendChild(make("li", "muted", t("ui.editor.no_reason"))); }
  box.appendChild(reasons);
  return box;
}

function gapItem(c, index) {
  const questions = Array.isArray(c.questions) ? c.questions : [];
  const li = make("li", "gap");
  li.dataset.id = String(c.id);
  const titleId = "gap-" + index + "-title";
  const size = isNumber(c.size) ? c.size : questions.length;
  const h = make("h2", "", plural(size, "ui.editor.gap_title_one", "ui.editor.gap_title") +
    (questions[0] ? ": „" + questions[0] + "“" : ""));
  h.id = titleId;
  h.tabIndex = -1;
  li.appendChild(h);
  if (c.last_at) { li.appendChild(make("p", "muted", t("ui.editor.last_asked", {time: dateTimeText(c.last_at)}))); }

  li.appendChild(make("h3", "", t("ui.editor.examples")));
  const ul = make("ul", "questions");
  questions.forEach(function (q) { ul.appendChild(make("li", "", q)); });
  li.appendChild(ul);

  const columns = make("div", "gap-columns");
  columns.appendChild(reasonsBox(c));
  const weeks = Array.isArray(c.weeks) ? c.weeks : [];
  if (weeks.length) { columns.appendChild(weeksTable(weeks)); }
  li.appendChild(columns);

  const actions = make("div", "actions");
  const draft = make("button", "primary", t("ui.editor.draft_article"));
  draft.type = "button";
  draft.setAttribute("aria-describedby", titleId);
  draft.addEventListener("click", function () {
    state.prefill = draftFromCluster(c);
    window.location.hash = "#/new";
  });
  const dismiss = make("button", "", t("ui.editor.dismiss"));
  dismiss.type = "button";
  dismiss.setAttribute("aria-describedby", titleId);
  dismiss.addEventListener("click", function () { dismissCluster(c, li, dismiss); });
  actions.appendChild(draft);
  actions.appendChild(dismiss);
  li.appendChild(actions);
  return li;
}

function draftFromCluster(c) {
  const questions = (Array.isArray(c.questions) ? c.questions : []).map(function (q) { return String(q).trim(); })
    .filter(Boolean);
  return {
    title: questions[0] || "",
    questions: questions.slice(0, 6),
    notes: t("ui.editor.gap_notes") + "\n" + questions.map(function (q) { return "- " + q; }).join("\n"),
    body: t("ui.editor.body_template"),
  };
}

async function dismissCluster(c, li, button) {
  button.disabled = true;
  state.shell.clearError();
  let data;
  try {
    data = await api("POST", "/api/knowledge/gaps/dismiss", {gap_ids: Array.isArray(c.gap_ids) ? c.gap_ids : []});
  } catch (e) {
    button.disabled = false;
    state.shell.handleError(e);
    return;
  }
  const g = state.gaps;
  const index = g.clusters.indexOf(c);
  if (index !== -1) { g.clusters.splice(index, 1); }
  const n = isNumber(data.dismissed) ? data.dismissed : (c.size || 0);
  g.dismissed += n;
  if (g.total !== null) { g.total = Math.max(0, g.total - (c.size || n)); }
  const next = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  el.gapsEmpty.hidden = g.clusters.length > 0;
  el.gapsSummary.textContent = gapsSummaryText();
  announce(t("ui.editor.gap_dismissed", {what: plural(n, "ui.editor.gap_title_one", "ui.editor.gap_title")}));
  const heading = next ? next.querySelector("h2") : null;
  (heading || el.gapsTitle).focus();
}
