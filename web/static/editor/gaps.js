// The gap queue: unanswered questions clustered by meaning, filtered by words, reason and week; draft an article
// from a cluster, add its question to an article (gap_question.js), or dismiss one or several clusters.

import {api} from "../staff/api.js";
import {clear, isNumber, make, numberRow} from "../staff/dom.js";
import {countText, dateTimeText, weekText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {addQuestionForm, loadArticleChoices} from "./gap_question.js";
import {announce, el, state, wireFilters} from "./state.js";

function gapQuery() {
  const params = new URLSearchParams();
  const q = el.gapQ.value.trim();
  if (q) { params.set("q", q); }
  if (el.gapReason.value) { params.set("reason", el.gapReason.value); }
  if (el.gapWeek.value) { params.set("week", el.gapWeek.value); }
  const text = params.toString();
  return text ? "?" + text : "";
}

function filtered() { return Boolean(el.gapQ.value.trim() || el.gapReason.value || el.gapWeek.value); }

export async function showGaps(focus) {
  const nav = state.nav;
  const request = ++state.gapRequest;
  let data;
  try {
    const results = await Promise.all([api("GET", "/api/knowledge/gaps" + gapQuery()), loadArticleChoices()]);
    data = results[0];
  } catch (e) {
    if (nav !== state.nav || request !== state.gapRequest) { return; }
    state.shell.handleError(e);
    if (e.status !== 401 && !state.shell.isNoRole(e)) { state.shell.showView("gaps"); }
    return;
  }
  if (nav !== state.nav || request !== state.gapRequest) { return; }
  state.gaps = {
    clusters: (Array.isArray(data.clusters) ? data.clusters : []).slice().sort(function (a, b) {
      return (b.size || 0) - (a.size || 0);
    }),
    total: isNumber(data.total) ? data.total : null,
    open: isNumber(data.open) ? data.open : null,
    dismissed: isNumber(data.dismissed) ? data.dismissed : 0,
    added: isNumber(data.added) ? data.added : 0,
  };
  setFacets(data.facets || {});
  renderGaps();
  const wasGaps = state.shell.view === "gaps";
  state.shell.showView("gaps");
  if (focus && !wasGaps) { el.gapsTitle.focus(); }
}

// The reason and week lists count every open question, so a filter never hides what else there is.
function setFacets(facets) {
  const reasons = facets.reasons && typeof facets.reasons === "object" ? facets.reasons : {};
  const words = section("ui.editor.gap_reason");
  fillSelect(el.gapReason, Object.keys(reasons).map(function (k) {
    return {value: k, text: t("ui.editor.option_count", {label: words[k] || k, count: countText(reasons[k])})};
  }));
  const weeks = Array.isArray(facets.weeks) ? facets.weeks.slice().reverse() : [];
  fillSelect(el.gapWeek, weeks.map(function (w) {
    return {value: String(w.week), text: t("ui.editor.option_count", {label: weekText(w.week), count: countText(w.count)})};
  }));
}

function fillSelect(select, options) {
  const chosen = select.value;
  while (select.options.length > 1) { select.remove(1); }
  options.forEach(function (o) {
    const option = make("option", "", o.text);
    option.value = o.value;
    select.appendChild(option);
  });
  // A chosen week with no open question left stays chosen (and shows nothing) rather than silently widening.
  if (chosen && !options.some(function (o) { return o.value === chosen; })) {
    const option = make("option", "", weekText(chosen));
    option.value = chosen;
    select.appendChild(option);
  }
  select.value = chosen;
}

function plural(count, one, many) { return count === 1 ? t(one) : t(many, {count: countText(count)}); }

function gapsSummaryText() {
  const g = state.gaps;
  const total = g.total !== null ? g.total : g.clusters.reduce(function (n, c) { return n + (c.size || 0); }, 0);
  let text = t("ui.editor.gaps_summary", {
    questions: plural(total, "ui.editor.question_one", "ui.editor.questions"),
    groups: plural(g.clusters.length, "ui.editor.group_one", "ui.editor.groups"),
    dismissed: g.dismissed ? t("ui.editor.dismissed", {count: countText(g.dismissed)}) : ".",
  });
  if (g.added) { text += " " + t("ui.editor.added_summary", {count: countText(g.added)}); }
  if (filtered() && g.open !== null) { text += " " + t("ui.editor.gaps_filtered", {count: countText(g.open)}); }
  return text;
}

export function updateGapsSummary() {
  const none = state.gaps.clusters.length === 0;
  el.gapsEmpty.hidden = !none || filtered();
  el.gapsNoneFound.hidden = !none || !filtered();
  el.gapBulk.hidden = none;
  el.gapsSummary.textContent = gapsSummaryText();
  updateSelection();
}

function renderGaps() {
  clear(el.gaps);
  state.gaps.clusters.forEach(function (c, i) { el.gaps.appendChild(gapItem(c, i)); });
  el.gapSelectAll.checked = false;
  updateGapsSummary();
}

function selectedBoxes() { return Array.prototype.slice.call(el.gaps.querySelectorAll("input.gap-select:checked")); }

export function updateSelection() {
  const chosen = selectedBoxes().length;
  const all = el.gaps.querySelectorAll("input.gap-select").length;
  el.gapDismissSelected.disabled = chosen === 0;
  el.gapSelectAll.checked = all > 0 && chosen === all;
  el.gapSelectAll.indeterminate = chosen > 0 && chosen < all;
  el.gapSelected.textContent = chosen ? plural(chosen, "ui.editor.selected_one", "ui.editor.selected") : t("ui.editor.selected_none");
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

// The articles employees rated "nicht geholfen" for these questions, each a link to edit it.
function ratedBox(c) {
  const rated = Array.isArray(c.articles) ? c.articles : [];
  if (!rated.length) { return null; }
  const box = make("div", "rated");
  box.appendChild(make("h3", "", t("ui.editor.rated_articles")));
  const ul = make("ul");
  rated.forEach(function (a) {
    const li = make("li");
    const link = make("a", "", a.title || a.slug || "");
    link.href = "#/article/" + encodeURIComponent(a.slug || "");
    li.appendChild(link);
    li.appendChild(document.createTextNode(" (" + plural(a.count, "ui.editor.rated_one", "ui.editor.rated") + ")"));
    ul.appendChild(li);
  });
  box.appendChild(ul);
  return box;
}

function gapItem(c, index) {
  const questions = Array.isArray(c.questions) ? c.questions : [];
  const li = make("li", "gap");
  li.dataset.id = String(c.id);
  const titleId = "gap-" + index + "-title";
  const size = isNumber(c.size) ? c.size : questions.length;
  const head = make("div", "gap-head");
  const pick = make("input", "gap-select");
  pick.type = "checkbox";
  pick.id = "gap-" + index + "-select";
  pick.setAttribute("aria-labelledby", pick.id + "-label " + titleId);
  pick.addEventListener("change", updateSelection);
  const pickLabel = make("label", "select-label", t("ui.editor.select_group"));
  pickLabel.id = pick.id + "-label";
  pickLabel.htmlFor = pick.id;
  const h = make("h2", "", plural(size, "ui.editor.gap_title_one", "ui.editor.gap_title") +
    (questions[0] ? ": „" + questions[0] + "“" : ""));
  h.id = titleId;
  h.tabIndex = -1;
  head.appendChild(pick);
  head.appendChild(pickLabel);
  head.appendChild(h);
  li.appendChild(head);
  li.gap = c;
  if (c.last_at) { li.appendChild(make("p", "muted", t("ui.editor.last_asked", {time: dateTimeText(c.last_at)}))); }

  li.appendChild(make("h3", "", t("ui.editor.examples")));
  const ul = make("ul", "questions");
  questions.forEach(function (q) { ul.appendChild(make("li", "", q)); });
  li.appendChild(ul);

  const columns = make("div", "gap-columns");
  columns.appendChild(reasonsBox(c));
  const rated = ratedBox(c);
  if (rated) { columns.appendChild(rated); }
  const weeks = Array.isArray(c.weeks) ? c.weeks : [];
  if (weeks.length) { columns.appendChild(weeksTable(weeks)); }
  li.appendChild(columns);

  li.appendChild(addQuestionForm(c, li, index, titleId));

  const actions = make("div", "actions");
  const draft = make("button", "", t("ui.editor.draft_article"));
  draft.type = "button";
  draft.setAttribute("aria-describedby", titleId);
  draft.addEventListener("click", function () {
    state.prefill = draftFromCluster(c);
    window.location.hash = "#/new";
  });
  const dismiss = make("button", "", t("ui.editor.dismiss"));
  dismiss.type = "button";
  dismiss.setAttribute("aria-describedby", titleId);
  dismiss.addEventListener("click", function () { dismissClusters([li], dismiss); });
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

// The clusters leave the page; the focus goes to the next cluster's heading (or the page's).
export function removeClusters(items) {
  const g = state.gaps;
  const gone = items.indexOf.bind(items);
  items.forEach(function (li) {
    const index = g.clusters.indexOf(li.gap);
    if (index !== -1) { g.clusters.splice(index, 1); }
    if (g.total !== null) { g.total = Math.max(0, g.total - (li.gap.size || 0)); }
    if (g.open !== null) { g.open = Math.max(0, g.open - (li.gap.size || 0)); }
  });
  let after = items[items.length - 1].nextElementSibling;
  while (after && gone(after) !== -1) { after = after.nextElementSibling; }
  let before = items[0].previousElementSibling;
  while (before && gone(before) !== -1) { before = before.previousElementSibling; }
  const next = after || before;
  items.forEach(function (li) { li.remove(); });
  updateGapsSummary();
  const heading = next ? next.querySelector("h2") : null;
  (heading || el.gapsTitle).focus();
}

async function dismissClusters(items, button) {
  button.disabled = true;
  state.shell.clearError();
  const ids = [];
  items.forEach(function (li) { (Array.isArray(li.gap.gap_ids) ? li.gap.gap_ids : []).forEach(function (id) { ids.push(id); }); });
  let data;
  try {
    data = await api("POST", "/api/knowledge/gaps/dismiss", {gap_ids: ids});
  } catch (e) {
    button.disabled = false;
    state.shell.handleError(e);
    return;
  }
  const n = isNumber(data.dismissed) ? data.dismissed : ids.length;
  state.gaps.dismissed += n;
  removeClusters(items);
  const gone = (Array.isArray(data.already_closed) ? data.already_closed.length : 0) +
    (Array.isArray(data.unknown) ? data.unknown.length : 0);
  const what = items.length === 1 ? t("ui.editor.gap_dismissed", {what: plural(n, "ui.editor.gap_title_one", "ui.editor.gap_title")})
    : t("ui.editor.gaps_dismissed", {groups: countText(items.length), questions: plural(n, "ui.editor.gap_title_one", "ui.editor.gap_title")});
  announce(what + (gone ? " " + t("ui.editor.gaps_gone", {count: countText(gone)}) : ""));
}

export function wireGaps() {
  wireFilters(el.gapFilter, [el.gapReason, el.gapWeek], el.gapQ, "gaps", showGaps);
  el.gapSelectAll.addEventListener("change", function () {
    el.gaps.querySelectorAll("input.gap-select").forEach(function (box) { box.checked = el.gapSelectAll.checked; });
    updateSelection();
  });
  el.gapDismissSelected.addEventListener("click", function () {
    const items = selectedBoxes().map(function (box) { return box.closest("li.gap"); });
    if (items.length) { dismissClusters(items, el.gapDismissSelected); }
  });
}
