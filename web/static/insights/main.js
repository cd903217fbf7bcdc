// Lead page: the weekly report's summary (summary.js) and CSAT figures for a date range, a Chart.js bar chart with the same numbers as a table, CSV export.
// Everything from the server is rendered with textContent, never as HTML.
// Anonymous by design: there are no per-person figures here, and none may be added (staff council).

import {api} from "../staff/api.js";
import {$, clear, isNumber, make, numberRow, reportMissing} from "../staff/dom.js";
import {countText, decimal, germanDay, isoDay, percentText, weekText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {createShell} from "../staff/shell.js";
import {destroySummaryCharts, renderSummary, summaryLinks} from "./summary.js";

const SCORES = ["1", "2", "3", "4", "5"];
// Diverging orange → blue (readable with red-green colour blindness); each >= 3:1 against white.
const SCORE_COLOUR = {"1": "#8f2d00", "2": "#c26a00", "3": "#6b6b6b", "4": "#2f6db3", "5": "#143f7a"};

const el = {
  dashboard: $("dashboard"), dashboardTitle: $("dashboard-title"),
  rangeForm: $("range-form"), from: $("from"), to: $("to"), show: $("show"), csv: $("csv"),
  rangeError: $("range-error"), status: $("status"), results: $("results"),
  average: $("average"), answered: $("answered"), asked: $("asked"), rate: $("rate"), empty: $("empty"),
  chart: $("chart"), chartMissing: $("chart-missing"), pathsBody: $("paths-body"), pathsFoot: $("paths-foot"),
  weeksBody: $("weeks-body"), weeksEmpty: $("weeks-empty"),
  commentsBody: $("comments-body"), commentsEmpty: $("comments-empty"),
};
const state = {chart: null, request: 0, loaded: false};
const reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

function averageText(value) { return decimal(value, 1); }
function answersText(value) { return t(value === 1 ? "ui.insights.answer_one" : "ui.insights.answers", {count: countText(value)}); }
function paths() { return section("resolution_path"); }  // the one list, in its order, with its words

function distributionOf(group) {
  const d = group && group.distribution && typeof group.distribution === "object" ? group.distribution : {};
  return SCORES.map(function (s) { return isNumber(d[s]) ? d[s] : 0; });
}

function clearRangeError() {
  el.rangeError.hidden = true;
  el.rangeError.textContent = "";
}

function destroyChart() {
  if (state.chart) {
    state.chart.destroy();
    state.chart = null;
  }
}

const shell = createShell({
  role: "lead",
  roleLabel: "lead",
  why: "ui.insights.no_role",
  views: {dashboard: el.dashboard},
  enter: function (_data, focus) {
    clearRangeError();
    state.loaded = false;
    return load(null, focus);
  },
  leave: function () {
    state.request += 1;
    state.loaded = false;
    destroyChart();
    destroySummaryCharts();
    clearRangeError();
  },
});

function csvHref(from, to) {
  return "/api/insights/csat.csv?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
}

// range null: the server's default period (the last 28 days up to today), which then fills the date inputs.
async function load(range, focus) {
  const request = ++state.request;
  const query = range ? "?from=" + encodeURIComponent(range.from) + "&to=" + encodeURIComponent(range.to) : "";
  el.show.disabled = true;
  el.results.setAttribute("aria-busy", "true");
  el.status.textContent = t("ui.insights.loading");
  let data, summary;
  try {
    [data, summary] = await Promise.all([
      api("GET", "/api/insights/csat" + query), api("GET", "/api/insights/summary" + query),
    ]);
  } catch (e) {
    if (request !== state.request) { return; }
    el.status.textContent = "";
    if (e.status === 401) { shell.sessionExpired(); return; }
    if (e.status === 403) { shell.showNoRole(e.message); return; }
    if (!state.loaded) { shell.showView("dashboard"); }
    if (e.status === 400) {
      el.rangeError.textContent = e.message;
      el.rangeError.hidden = false;
    } else {
      shell.showError(e.message);
    }
    return;
  } finally {
    if (request === state.request) {
      el.show.disabled = false;
      el.results.removeAttribute("aria-busy");
    }
  }
  if (request !== state.request) { return; }
  const from = typeof data.from === "string" ? data.from : range ? range.from : "";
  const to = typeof data.to === "string" ? data.to : range ? range.to : "";
  el.from.value = from;
  el.to.value = to;
  el.csv.href = csvHref(from, to);
  summaryLinks(from, to);
  shell.showView("dashboard");
  render(data);
  renderSummary(summary);
  state.loaded = true;
  el.status.textContent = t("ui.insights.status", {
    from: germanDay(from), to: germanDay(to), answers: answersText(data.answered), average: averageText(data.average),
  });
  if (focus) { el.dashboardTitle.focus(); }
}

el.rangeForm.addEventListener("submit", function (ev) {
  ev.preventDefault();
  shell.clearError();
  clearRangeError();
  const from = el.from.value;
  const to = el.to.value;
  if (!from || !to) {
    reportMissing(from, el.from, el.to, el.rangeError, t("ui.insights.range_missing"));
    return;
  }
  if (from > to) {
    el.rangeError.textContent = t("ui.insights.range_order");
    el.rangeError.hidden = false;
    el.from.focus();
    return;
  }
  load({from: from, to: to}, false);
});

function render(data) {
  el.average.textContent = averageText(data.average);
  el.answered.textContent = countText(data.answered);
  el.asked.textContent = countText(data.asked);
  el.rate.textContent = percentText(data.response_rate);
  el.empty.hidden = isNumber(data.answered) && data.answered > 0;
  const byPath = data.by_path && typeof data.by_path === "object" ? data.by_path : {};
  renderPaths(byPath, data);
  renderWeeks(Array.isArray(data.weeks) ? data.weeks : []);
  renderComments(Array.isArray(data.comments) ? data.comments : []);
  renderChart(byPath);
}

function pathRow(label, group) {
  const tr = make("tr");
  const head = make("th", "", label);
  head.scope = "row";
  tr.appendChild(head);
  distributionOf(group).forEach(function (n) { tr.appendChild(make("td", "num", countText(n))); });
  tr.appendChild(make("td", "num", countText(group && group.answered)));
  tr.appendChild(make("td", "num", countText(group && group.asked)));
  tr.appendChild(make("td", "num", percentText(group && group.response_rate)));
  tr.appendChild(make("td", "num", averageText(group && group.average)));
  return tr;
}

function renderPaths(byPath, total) {
  clear(el.pathsBody);
  clear(el.pathsFoot);
  const words = paths();
  Object.keys(words).forEach(function (path) {
    const row = pathRow(words[path], byPath[path] || {});
    row.dataset.path = path;
    el.pathsBody.appendChild(row);
  });
  const sum = pathRow(t("csat.total"), total);
  sum.dataset.path = "total";
  el.pathsFoot.appendChild(sum);
}

function renderWeeks(weeks) {
  clear(el.weeksBody);
  weeks.forEach(function (w) {
    el.weeksBody.appendChild(numberRow(weekText(w && w.week), [countText(w && w.answered), averageText(w && w.average)]));
  });
  el.weeksEmpty.hidden = weeks.length > 0;
}

// The comments arrive redacted and newest first (desk/csat_comments.py); shown as text, never as HTML.
function renderComments(comments) {
  clear(el.commentsBody);
  const words = paths();
  comments.forEach(function (c) {
    const tr = make("tr");
    const day = make("th", "", germanDay(c && c.date));
    day.scope = "row";
    tr.appendChild(day);
    tr.appendChild(make("td", "num", countText(c && c.score)));
    tr.appendChild(make("td", "", words[c && c.path] || String((c && c.path) || "")));
    tr.appendChild(make("td", "", c && (c.language === "de" || c.language === "en") ? t("ui.language." + c.language) : ""));
    tr.appendChild(make("td", "comment", String((c && c.comment) || "")));
    el.commentsBody.appendChild(tr);
  });
  el.commentsEmpty.hidden = comments.length > 0;
}

function chartSummary(byPath) {
  const words = paths();
  const parts = Object.keys(words).map(function (path) {
    const g = byPath[path] || {};
    const d = distributionOf(g);
    return t("ui.insights.chart_part", {
      path: words[path],
      answers: answersText(g.answered),
      average: isNumber(g.average) ? t("ui.insights.chart_average", {average: averageText(g.average)}) : "",
      scores: SCORES.map(function (s, i) { return t("ui.insights.chart_score", {score: s, count: countText(d[i])}); })
        .join(", "),
    });
  });
  return t("ui.insights.chart", {parts: parts.join("; ")});
}

function renderChart(byPath) {
  el.chart.setAttribute("aria-label", chartSummary(byPath));
  if (typeof window.Chart !== "function") {
    el.chart.hidden = true;
    el.chartMissing.hidden = false;
    return;
  }
  const words = paths();
  const labels = Object.keys(words).map(function (p) { return words[p]; });
  const datasets = SCORES.map(function (s, i) {
    return {
      label: t("csat.score." + s),
      data: Object.keys(words).map(function (p) { return distributionOf(byPath[p])[i]; }),
      backgroundColor: SCORE_COLOUR[s],
      borderColor: "#ffffff",
      borderWidth: 1,
    };
  });
  const still = !!(reducedMotion && reducedMotion.matches);
  if (state.chart) {
    state.chart.data.labels = labels;
    state.chart.data.datasets = datasets;
    state.chart.options.animation = still ? false : {duration: 400};
    state.chart.update();
    return;
  }
  window.Chart.defaults.color = "#333333";
  window.Chart.defaults.font.family = "system-ui, sans-serif";
  state.chart = new window.Chart(el.chart, {
    type: "bar",
    data: {labels: labels, datasets: datasets},
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: still ? false : {duration: 400},
      plugins: {legend: {position: "bottom"}, tooltip: {enabled: true}},
      scales: {
        x: {stacked: true, grid: {display: false}},
        y: {stacked: true, beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: t("ui.insights.axis")}},
      },
    },
  });
}

if (reducedMotion && typeof reducedMotion.addEventListener === "function") {
  reducedMotion.addEventListener("change", function () {
    if (state.chart) {
      state.chart.options.animation = reducedMotion.matches ? false : {duration: 400};
      state.chart.update("none");
    }
  });
}

shell.boot(function () {
  const to = new Date();
  const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - 27);
  el.from.value = isoDay(from);
  el.to.value = isoDay(to);
  el.csv.href = csvHref(el.from.value, el.to.value);
  summaryLinks(el.from.value, el.to.value);
});
