// The context card's "Automatisch erledigt": what the assistant did by itself in this conversation (issue 19),
// the account unlock's steps and the structured requests, oldest first (desk/automation.py). Nothing is shown
// when there is nothing; every text goes in with textContent.

import {clear, make} from "../staff/dom.js";
import {dateTimeText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {el} from "./state.js";

/** One unlock step: what happened, and the account when the audit named one (never a code). */
function unlockText(step) {
  const reasons = section("ui.console.automation.reason");
  const outcome = step.outcome || "refused";
  const said = t("ui.console.automation.unlock." + outcome, {reason: reasons[step.result] || step.result || ""});
  return step.account ? said + " · " + t("ui.console.automation.account", {account: step.account}) : said;
}

/** One request: number, kind and status, then the approver's decision (or the wait for it) and the ticket. */
function requestText(req) {
  const statuses = section("ui.console.automation.status");
  const parts = [t("ui.console.automation.request",
    {number: req.number || "", kind: req.kind_label || req.kind || "", status: statuses[req.status] || req.status || ""})];
  const approver = req.approver || t("ui.console.unknown");
  if (req.decision) {
    parts.push(t("ui.console.automation." + req.decision, {approver: approver, time: dateTimeText(req.decided_at)}));
  } else if (req.status === "waiting_approval") {
    parts.push(t("ui.console.automation.waiting", {approver: approver}));
  }
  if (req.ticket_number) { parts.push(t("ui.console.automation.ticket", {ticket: req.ticket_number})); }
  return parts.join(" · ");
}

/** "Automatisch erledigt": the conversation's unlock steps and requests, oldest first; hidden when there are none. */
export function renderAutomation(record) {
  const actions = Array.isArray(record.actions) ? record.actions : [];
  clear(el.ctxActions);
  el.ctxActionsTitle.textContent = t("ui.console.automation.title");
  el.ctxActionsBox.hidden = !actions.length;
  actions.forEach(function (a) {
    if (!a || typeof a !== "object") { return; }
    const li = make("li", "automation-" + (a.type === "unlock" ? "unlock" : "request"));
    const at = dateTimeText(a.at);
    if (at) { li.appendChild(make("span", "when", at + " ")); }
    li.appendChild(document.createTextNode(a.type === "unlock" ? unlockText(a) : requestText(a)));
    el.ctxActions.appendChild(li);
  });
}
