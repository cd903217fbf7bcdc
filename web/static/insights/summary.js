// The weekly report's summary on the lead page: self-service rate (with its rule), escalations by reason, top
// articles, knowledge gaps, satisfied share per week against the 96 % target, team figures (or "zu wenige Daten"),
// major incidents (incidents.js), the automated actions per week (automation.js).
// Every chart has the same numbers in a table next to it; everything is rendered with textContent.

import {$, clear, emptyRow, isNumber, make, numberRow} from "../staff/dom.js";
import {countText, decimal, percentText, weekText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {renderAutomation} from "./automation.js";
import {renderIncidents} from "./incidents.js";

const OUTCOMES = ["solved", "escalated", "unclear"];
const OUTCOME_COLOUR = {solved: "#143f7a", escalated: "#c26a00", unclear: "#6b6b6b"};
const el = {
  rate: $("ss-rate"), conversations: $("ss-conversations"), solved: $("ss-solved"), unclear: $("ss-unclear"),
  rule: $("ss-rule"), ssChart: $("ss-chart"), ssBody: $("ss-body"), reasonsBody: $("reasons-body"),
  csv: $("summary-csv"), report: $("report-link"), escChart: $("esc-chart"), escBody: $("esc-body"),
  articlesBody: $("articles-body"), gapsTotal: $("gaps-total"), gapsLink: $("gaps-link"), gapsBody: $("gaps-body"),
  satChart: $("sat-chart"), satBody: $("sat-body"), satPathBody: $("satpath-body"),
  teamTooFew: $("team-too-few"), teamWrap: $("team-wrap"), teamBody: $("team-body"),
};
const charts = {};

function objectOf(value) { return value && typeof value === "object" ? value : {}; }
function listOf(value) { return Array.isArray(value) ? value : []; }
function minutesText(seconds) {
  return isNumber(seconds) ? t("report.minutes", {value: decimal(seconds / 60, 1)}) : "–";
}

// The ISO week (YYYY-Www) a YYYY-MM-DD day belongs to: the printable view shows that week.
export function isoWeek(day) {
  const d = new Date(day + "T12:00:00Z");
  if (isNaN(d.getTime())) { return ""; }
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));  // the Thursday of its week
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((d - firstThursday) / 86400000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return d.getUTCFullYear() + "-W" + String(week).padStart(2, "0");
}

export function summaryLinks(from, to) {
  el.csv.href = "/api/insights/summary.csv?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
  const week = isoWeek(to);
  el.report.href = "/insights/report" + (week ? "?week=" + encodeURIComponent(week) : "");
}

function chart(name, canvas, label, config) {
  canvas.setAttribute("aria-label", label);
  if (typeof window.Chart !== "function") { canvas.hidden = true; return; }
  if (charts[name]) { charts[name].destroy(); }
  config.options = Object.assign({
    responsive: true, maintainAspectRatio: false, animation: false,
    plugins: {legend: {position: "bottom"}, tooltip: {enabled: true}},
  }, config.options || {});
  charts[name] = new window.Chart(canvas, config);
}

export function destroySummaryCharts() {
  Object.keys(charts).forEach(function (name) { charts[name].destroy(); delete charts[name]; });
}

function renderSelfService(ss) {
  const total = isNumber(ss.conversations) ? ss.conversations : 0;
  el.rate.textContent = percentText(ss.rate);
  el.conversations.textContent = countText(total);
  el.solved.textContent = countText(ss.solved);
  el.unclear.textContent = countText(ss.unclear);
  el.rule.textContent = t("report.rule", {
    days: countText(ss.return_working_days), state: ss.holiday_state || t("report.no_state"),
  });
  clear(el.ssBody);
  OUTCOMES.forEach(function (k) {
    const row = numberRow(t("report." + k), [countText(ss[k]), percentText(total ? ss[k] / total : null)]);
    row.dataset.outcome = k;
    el.ssBody.appendChild(row);
  });
  clear(el.reasonsBody);
  const reasons = objectOf(ss.reasons);
  const words = section("report.reason");
  Object.keys(words).forEach(function (r) {
    const tr = make("tr");
    const th = make("th", "", words[r]);
    th.scope = "row";
    tr.appendChild(th);
    const outcome = objectOf(ss.reason_outcomes)[r];
    tr.appendChild(make("td", "", OUTCOMES.indexOf(outcome) >= 0 ? t("report." + outcome) : ""));
    tr.appendChild(make("td", "num", countText(reasons[r])));
    tr.dataset.reason = r;
    el.reasonsBody.appendChild(tr);
  });
  const label = t("report.self_service") + ": " + OUTCOMES.map(function (k) {
    return t("report." + k) + " " + countText(ss[k]);
  }).join(", ");
  chart("ss", el.ssChart, label, {
    type: "bar",
    data: {
      labels: OUTCOMES.map(function (k) { return t("report." + k); }),
      datasets: [{label: t("report.count"), data: OUTCOMES.map(function (k) { return isNumber(ss[k]) ? ss[k] : 0; }),
        backgroundColor: OUTCOMES.map(function (k) { return OUTCOME_COLOUR[k]; })}],
    },
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}},
  });
}

function renderEscalations(byReason) {
  const words = section("escalation.reason");
  const keys = Object.keys(words);
  clear(el.escBody);
  keys.forEach(function (r) { el.escBody.appendChild(numberRow(words[r], [countText(byReason[r])])); });
  chart("esc", el.escChart, t("report.escalations") + ": " + keys.map(function (r) {
    return words[r] + " " + countText(byReason[r]);
  }).join(", "), {
    type: "bar",
    data: {labels: keys.map(function (r) { return words[r]; }),
      datasets: [{label: t("report.count"), data: keys.map(function (r) { return isNumber(byReason[r]) ? byReason[r] : 0; }),
        backgroundColor: "#2f6db3"}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}},
  });
}

function renderArticles(items) {
  clear(el.articlesBody);
  items.forEach(function (a) {
    el.articlesBody.appendChild(numberRow(String(a.title || a.slug || ""),
      [countText(a.shown), countText(a.helpful), countText(a.not_helpful)]));
  });
  if (!items.length) { el.articlesBody.appendChild(emptyRow(t("report.none"), 4)); }
}

function renderGaps(gaps) {
  el.gapsTotal.textContent = t("report.gaps_total", {count: countText(gaps.total)});
  if (typeof gaps.queue === "string" && gaps.queue.charAt(0) === "/") { el.gapsLink.href = gaps.queue; }
  clear(el.gapsBody);
  const top = listOf(gaps.top);
  top.forEach(function (g) { el.gapsBody.appendChild(numberRow(String(g.question || ""), [countText(g.count)])); });
  if (!top.length) { el.gapsBody.appendChild(emptyRow(t("report.none"), 2)); }
}

function renderSatisfaction(figures) {
  const target = isNumber(figures.target) ? figures.target : 0.96;
  const weeks = listOf(figures.weeks);
  clear(el.satBody);
  weeks.forEach(function (w) {
    el.satBody.appendChild(numberRow(weekText(w.week), [countText(w.answered), percentText(w.satisfied), percentText(target)]));
  });
  if (!weeks.length) { el.satBody.appendChild(emptyRow(t("report.none"), 4)); }
  clear(el.satPathBody);
  const byPath = objectOf(figures.by_path);
  const words = section("resolution_path");
  Object.keys(words).forEach(function (p) {
    const f = objectOf(byPath[p]);
    el.satPathBody.appendChild(numberRow(words[p],
      [countText(f.answered), percentText(f.response_rate), decimal(f.average, 1), percentText(f.satisfied)]));
  });
  const label = t("report.csat_weeks", {target: percentText(target)}) + ": " + weeks.map(function (w) {
    return weekText(w.week) + " " + percentText(w.satisfied);
  }).join(", ");
  chart("sat", el.satChart, label, {
    type: "bar",
    data: {
      labels: weeks.map(function (w) { return weekText(w.week); }),
      datasets: [
        {type: "bar", label: t("report.satisfied"), backgroundColor: "#143f7a", order: 2,
          data: weeks.map(function (w) { return isNumber(w.satisfied) ? Math.round(w.satisfied * 1000) / 10 : null; })},
        {type: "line", label: t("report.target") + " " + percentText(target), borderColor: "#b35900",
          borderDash: [6, 4], pointStyle: "line", pointRadius: weeks.length > 1 ? 0 : 24, borderWidth: 2, order: 1,
          data: weeks.map(function () { return Math.round(target * 1000) / 10; })},
      ],
    },
    options: {scales: {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + " %"; }}}}},
  });
}

function renderTeam(team) {
  const shown = team.shown === true;
  el.teamTooFew.hidden = shown;
  el.teamWrap.hidden = !shown;
  el.teamTooFew.textContent = shown ? "" : t("report.too_few", {n: countText(team.min_staff)});
  clear(el.teamBody);
  if (!shown) { return; }
  ["claim_s", "resolve_s"].forEach(function (k) {
    const q = objectOf(team[k]);
    el.teamBody.appendChild(numberRow(t("report." + k), [minutesText(q.median), minutesText(q.p90)]));
  });
}

export function renderSummary(data) {
  renderSelfService(objectOf(data.self_service));
  renderEscalations(objectOf(data.escalations));
  renderArticles(listOf(data.articles));
  renderGaps(objectOf(data.gaps));
  renderSatisfaction(objectOf(data.csat));
  renderTeam(objectOf(data.team));
  renderIncidents(objectOf(data.incidents));
  renderAutomation(objectOf(data.automation));
}
