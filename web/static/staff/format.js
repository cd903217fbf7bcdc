// Numbers, dates and weeks as staff read them (German formats; the desk works in German).

import {isNumber} from "./dom.js";
import {t} from "./i18n.js";

const COUNT = new Intl.NumberFormat("de-DE", {maximumFractionDigits: 0});
const PERCENT = new Intl.NumberFormat("de-DE", {style: "percent", maximumFractionDigits: 0});

export function countText(value) { return COUNT.format(isNumber(value) ? value : 0); }

export function percentText(value) { return isNumber(value) ? PERCENT.format(value) : "–"; }

export function decimal(value, digits) {
  const format = new Intl.NumberFormat("de-DE", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  return isNumber(value) ? format.format(value) : "–";
}

// Rasa's transcript uses Unix seconds; our records use ISO 8601.
export function toDate(value) {
  if (value === null || value === undefined || value === "") { return null; }
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return isNaN(d.getTime()) ? null : d;
}

export function timeText(value) {
  const d = toDate(value);
  return d ? d.toLocaleTimeString("de-DE", {hour: "2-digit", minute: "2-digit"}) : "";
}

export function dateTimeText(value) {
  const d = toDate(value);
  return d ? d.toLocaleString("de-DE", {dateStyle: "short", timeStyle: "short"}) : String(value || "");
}

export function germanDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
  return m ? m[3] + "." + m[2] + "." + m[1] : String(iso || "");
}

export function weekText(value) {
  const m = /^(\d{4})-W(\d{1,2})$/.exec(String(value || ""));
  return m ? t("ui.editor.week_label", {week: Number(m[2]), year: m[1]}) : String(value || "");
}

// Dates travel as YYYY-MM-DD; "today" is the browser's local day, not UTC.
export function isoDay(d) {
  const pad = function (n) { return String(n).padStart(2, "0"); };
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
}
