// Screenshots (issue 18): an attach button and paste (Ctrl+V) in the composer, one line saying screenshots may
// show citizens' data, and the upload to POST /api/chat/attachments (multipart, the session as Bearer token).
// The server reads the error text in the image and answers it like a typed question.

import {c} from "./context.js";
import {addPending, busy, hideError, notSent, receive, settle, showError} from "./log.js";
import {make} from "./render.js";
import {start} from "./talk.js";

const state = c.state;
const TYPES = ["image/png", "image/jpeg"];
const MAX_BYTES = 5 * 1024 * 1024;
const TIMEOUT_MS = 90000;  // OCR takes a few seconds; the server gives up on it after 20

function words(key) { return String(c.texts[key] || key); }

function clipIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "attach-icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 " +
    "6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z");
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  return svg;
}

// The attach button (after "Senden"), the hidden file picker and the one-line data note under the composer.
export function buildScreenshot() {
  const el = c.el;
  el.shotNote = make("p", "shot-note", words("ui.screenshot.hint"));
  el.shotNote.id = "sd-shot-note";
  el.shotFile = make("input", "");
  el.shotFile.type = "file";
  el.shotFile.id = "sd-shot-file";
  el.shotFile.accept = TYPES.join(",");
  el.shotFile.hidden = true;
  el.shotFile.tabIndex = -1;
  el.attach = make("button", "attach");
  el.attach.type = "button";
  el.attach.id = "sd-attach";
  el.attach.setAttribute("aria-label", words("ui.screenshot.attach"));
  el.attach.setAttribute("aria-describedby", "sd-shot-note");
  el.attach.title = words("ui.screenshot.attach") + " – " + words("ui.screenshot.paste");
  el.attach.appendChild(clipIcon());
  el.form.appendChild(el.attach);  // after "Senden": the tab order input → send stays as it was
  el.form.appendChild(el.shotFile);
  el.panel.insertBefore(el.shotNote, el.form.nextSibling);
}

export function wireScreenshot() {
  const el = c.el;
  el.attach.addEventListener("click", function () { el.shotFile.click(); });
  el.shotFile.addEventListener("change", function () {
    const file = el.shotFile.files && el.shotFile.files[0];
    el.shotFile.value = "";
    if (file) { upload(file); }
  });
  // A screenshot pasted into the chat (Windows: Win+Shift+S, then Ctrl+V); text pastes as usual.
  el.panel.addEventListener("paste", function (ev) {
    const items = ev.clipboardData ? Array.from(ev.clipboardData.items || []) : [];
    const image = items.find(function (item) { return item.kind === "file" && TYPES.indexOf(item.type) >= 0; });
    const file = image ? image.getAsFile() : null;
    if (!file) { return; }
    ev.preventDefault();
    upload(file);
  });
}

function failed(data, status) {
  const text = data && typeof data === "object" ? (c.lang === "en" ? data.error_en : data.error) : "";
  if (typeof text === "string" && text) { return text; }
  return status >= 500 || !status ? c.t("offline") : c.texts["ui.failed"];
}

export async function upload(file) {
  hideError();
  if (TYPES.indexOf(file.type) < 0) { showError(words("error.attachment.type")); return; }
  if (file.size > MAX_BYTES) { showError(words("error.attachment.too_big")); return; }
  const pending = addPending(words("screenshot.sent"), null);
  busy(1);
  try {
    if (!state.started && !(await start())) { throw new Error(c.t("unreachable")); }
    const form = new FormData();
    form.append("file", file, file.name || "screenshot.png");
    form.append("language", c.lang);
    const resp = await fetch(c.base + "/api/chat/attachments", {
      method: "POST",
      headers: {"Accept": "application/json", "Authorization": "Bearer " + state.session},
      body: form,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    let data = null;
    try { data = await resp.json(); } catch (_) { data = null; }
    if (!resp.ok) { throw new Error(failed(data, resp.status)); }
    // The live update may have brought the stored message first (and settled the bubble already).
    if (state.pending.indexOf(pending) >= 0) { settle(pending, Number(data.user_message_id) || 0, null); }
    receive(data, false);
  } catch (e) {
    notSent(pending);
    // Never re-sent as text by "Erneut versuchen": the employee attaches the image again instead.
    if (state.pending.indexOf(pending) >= 0) { state.pending.splice(state.pending.indexOf(pending), 1); }
    showError(e && e.name !== "TimeoutError" && e.message ? e.message : c.t("offline"));
  } finally {
    busy(-1);
  }
}
