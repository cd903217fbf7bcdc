// The lead page's automated actions per calendar week: account unlocks (requested, code sent, unlocked, blocked,
// without a code) and structured requests by kind (submitted, approved, rejected, ticket created).
// Team level only (desk/automation.py); rendered with textContent.

import {$, clear, emptyRow, make, numberRow} from "../staff/dom.js";
import {countText, weekText} from "../staff/format.js";
import {t} from "../staff/i18n.js";

const UNLOCKS = ["requested", "code_sent", "unlocked", "blocked", "refused"];
const REQUESTS = ["submitted", "approved", "rejected", "ticket_created"];
const el = {unlocks: $("autounlock-body"), requests: $("autoreq-body")};

function fill(body, rows, columns) {
  clear(body);
  rows.forEach(function (row) { body.appendChild(row); });
  if (!rows.length) { body.appendChild(emptyRow(t("report.none"), columns)); }
}

function counts(figures, keys) {
  return keys.map(function (k) { return countText(figures && figures[k]); });
}

function requestRow(r) {
  const row = numberRow(weekText(r && r.week), []);
  row.appendChild(make("td", "", String((r && (r.label || r.kind)) || "")));
  counts(r, REQUESTS).forEach(function (value) { row.appendChild(make("td", "num", value)); });
  row.dataset.kind = String(r && r.kind);
  return row;
}

export function renderAutomation(data) {
  const found = data && typeof data === "object" ? data : {};
  const unlocks = Array.isArray(found.unlocks) ? found.unlocks : [];
  const requests = Array.isArray(found.requests) ? found.requests : [];
  fill(el.unlocks, unlocks.map(function (w) { return numberRow(weekText(w && w.week), counts(w, UNLOCKS)); }),
    UNLOCKS.length + 1);
  fill(el.requests, requests.map(requestRow), REQUESTS.length + 2);
}
