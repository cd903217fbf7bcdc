// How the console says things: waiting times, statuses, languages; and the polite live region.

import {make} from "../staff/dom.js";
import {section, t} from "../staff/i18n.js";
import {el} from "./state.js";

export function waitText(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  if (s < 60) { return t("ui.console.since_under_minute"); }
  const minutes = Math.floor(s / 60);
  if (minutes < 60) { return t("ui.console.since_minutes", {minutes: minutes}); }
  return t("ui.console.since_hours", {hours: Math.floor(minutes / 60), minutes: minutes % 60});
}

// Claimed (or closed) escalations keep the time the employee waited until then.
export function waitedText(seconds) {
  return t("ui.console.waited", {time: waitText(seconds).replace(/^seit /, "")});
}

// "held for 25 min." on a claim older than the desk's warning limit.
export function claimAgeText(seconds) {
  return t("ui.console.claim_long", {time: waitText(seconds).replace(/^seit /, "")});
}

export function statusText(status, agentName) {
  if (status === "claimed" && agentName) { return t("ui.console.claimed_by", {name: agentName}); }
  return section("escalation.status")[status] || String(status || "");
}

export function languageText(code) {
  return section("ui.language")[code] || (code ? String(code) : t("ui.console.unknown"));
}

export function announce(text) {
  el.announcer.appendChild(make("p", "", text));
  while (el.announcer.childNodes.length > 5) { el.announcer.removeChild(el.announcer.firstChild); }
}
