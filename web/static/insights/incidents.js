// The lead page's major incidents: per incident published in the period (its whole life) and per calendar week,
// matched messages, subscribers, conversations without escalation, linked escalations and tickets, satisfaction.
// Team level only (desk/incident_stats.py); rendered with textContent.

import {$, clear, emptyRow, numberRow} from "../staff/dom.js";
import {countText, decimal, weekText} from "../staff/format.js";
import {t} from "../staff/i18n.js";

const FIGURES = ["matched_messages", "subscribers", "deflected", "escalations", "tickets"];
const COLUMNS = FIGURES.length + 3;
const el = {incidents: $("inc-body"), weeks: $("incweek-body")};

function cells(f) {
  const rating = f && f.csat && typeof f.csat === "object" ? f.csat : {};
  return FIGURES.map(function (k) { return countText(f && f[k]); })
    .concat([countText(rating.answered), decimal(rating.average, 1)]);
}

function fill(body, rows) {
  clear(body);
  rows.forEach(function (row) { body.appendChild(row); });
  if (!rows.length) { body.appendChild(emptyRow(t("report.none"), COLUMNS)); }
}

export function renderIncidents(data) {
  const found = data && typeof data === "object" ? data : {};
  const incidents = Array.isArray(found.incidents) ? found.incidents : [];
  const weeks = Array.isArray(found.weeks) ? found.weeks : [];
  fill(el.incidents, incidents.map(function (i) {
    const row = numberRow(String((i && i.title) || ""), cells(i));
    row.dataset.incident = String(i && i.id);
    return row;
  }));
  fill(el.weeks, weeks.map(function (w) { return numberRow(weekText(w && w.week), cells(w)); }));
}
