// Screenshots the employee attached (issue 18): shown in the escalation, loaded from the staff-only endpoint.

import {make} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {el} from "./state.js";

// One screenshot as a thumbnail that opens the full image in a new tab.
export function screenshotLink(escalationId, attachmentId) {
  const url = "/api/escalations/" + encodeURIComponent(escalationId) + "/attachments/" + encodeURIComponent(attachmentId);
  const a = make("a", "screenshot-link");
  a.href = url;
  a.target = "_blank";
  a.rel = "noopener";
  const img = make("img", "screenshot");
  img.src = url;
  img.alt = t("ui.screenshot.image");
  a.appendChild(img);
  return a;
}

// The screenshots sent before the handoff (the live messages show their own) at the end of the transcript.
export function renderScreenshots(record) {
  const live = new Set((Array.isArray(record.messages) ? record.messages : [])
    .map(function (m) { return m && m.data ? m.data.attachment : undefined; }));
  const ids = (Array.isArray(record.attachments) ? record.attachments : []).filter(function (id) { return !live.has(id); });
  if (!ids.length) { return; }
  const li = make("li", "msg user");
  li.appendChild(make("span", "msg-head", t("ui.screenshot.image")));
  ids.forEach(function (id) { li.appendChild(screenshotLink(record.id, id)); });
  el.transcript.appendChild(li);
}
