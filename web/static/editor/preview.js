// The live preview: the server renders and sanitises the Markdown (the same renderer as /kb/); it is parsed with
// DOMParser (which runs no scripts), scrubbed once more, and moved into this one container.

import {api} from "../staff/api.js";
import {clear} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {el, field, state} from "./state.js";

export function schedulePreview(delay) {
  window.clearTimeout(state.previewTimer);
  state.previewTimer = window.setTimeout(renderPreview, delay);
}

// Defence in depth (the server already sanitises): no scripts, no event handlers, no script URLs.
function scrub(root) {
  root.querySelectorAll("script, iframe, object, embed, style, link, meta, base, form").forEach(function (n) {
    n.remove();
  });
  root.querySelectorAll("*").forEach(function (n) {
    Array.prototype.slice.call(n.attributes).forEach(function (attr) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
      if (name.indexOf("on") === 0 || name === "style" || name === "srcdoc" ||
          ((name === "href" || name === "src" || name === "xlink:href" || name === "action") &&
           /^(javascript|vbscript|data):/.test(value) && !/^data:image\/(png|gif|jpe?g|webp);/.test(value))) {
        n.removeAttribute(attr.name);
      }
    });
    if (n.tagName === "A" && n.getAttribute("href")) {
      n.setAttribute("target", "_blank");
      n.setAttribute("rel", "noopener noreferrer");
    }
  });
}

async function renderPreview() {
  const seq = ++state.previewSeq;
  const body = field.body.value;
  if (!body.trim()) {
    clear(el.preview);
    el.previewStatus.textContent = t("ui.editor.preview_empty");
    return;
  }
  el.previewStatus.textContent = t("ui.editor.preview_loading");
  let data;
  try {
    data = await api("POST", "/api/articles/preview", {body: body});
  } catch (e) {
    if (seq !== state.previewSeq) { return; }
    if (e.status === 401) { state.shell.sessionExpired(); return; }
    el.previewStatus.textContent = t("ui.editor.preview_failed", {message: e.message});
    return;
  }
  if (seq !== state.previewSeq) { return; }
  const doc = new DOMParser().parseFromString(String(data.html || ""), "text/html");
  scrub(doc.body);
  const nodes = Array.prototype.slice.call(doc.body.childNodes).map(function (n) {
    return document.importNode(n, true);
  });
  el.preview.replaceChildren.apply(el.preview, nodes);
  el.previewStatus.textContent = "";
}
