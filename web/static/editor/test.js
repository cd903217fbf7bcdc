// The Test panel: what the chat would answer to a question, with the unsaved draft in its article's place.

import {api} from "../staff/api.js";
import {badge, clear, emptyRow, isNumber, make} from "../staff/dom.js";
import {decimal} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {payload} from "./form.js";
import {announce, el, slugify, state} from "./state.js";

function outcomeText(outcome, hits) {
  const top = hits[0] ? hits[0].title || hits[0].slug : "";
  if (outcome === "answer") { return t("ui.editor.outcome_answer", {title: top}); }
  return t(outcome === "clarify" ? "ui.editor.outcome_clarify" : "ui.editor.outcome_none");
}

function renderHits(hits) {
  clear(el.testHits);
  hits.forEach(function (h, i) {
    const tr = make("tr", h.draft ? "is-draft" : "");
    tr.dataset.slug = h.slug || "";
    tr.appendChild(make("td", "num", i + 1));
    tr.appendChild(make("td", "", h.title || h.slug || ""));
    tr.appendChild(make("td", "num", isNumber(h.score) ? decimal(h.score, 3) : "–"));
    const note = make("td");
    if (h.draft) { note.appendChild(badge(t("ui.editor.draft"), "draft-hit")); }
    tr.appendChild(note);
    el.testHits.appendChild(tr);
  });
  if (!hits.length) { el.testHits.appendChild(emptyRow(t("ui.editor.no_hits"), 4)); }
}

async function runTest(ev) {
  ev.preventDefault();
  const query = el.testQuery.value.trim();
  el.testError.hidden = true;
  if (!query) {
    el.testError.textContent = t("ui.editor.query_missing");
    el.testError.hidden = false;
    el.testQuery.focus();
    return;
  }
  const draft = payload();
  if (state.article && !state.isNew) { draft.slug = state.article.slug; }
  if (!draft.slug) { draft.slug = slugify(draft.title) || "neuer-artikel"; }
  // The first test after a restart embeds the draft and warms the search: seconds with nothing to show yet.
  el.testRun.disabled = true;
  el.testResult.setAttribute("aria-busy", "true");  // the old result (if any) is being replaced
  const testing = t("ui.editor.testing");
  el.testProgress.textContent = testing;  // next to the button
  el.status.textContent = testing;  // the page's live region says it too (no timer: nothing may outlive the test)
  let data;
  try {
    data = await api("POST", "/api/knowledge/test", {query: query, article: draft});
  } catch (e) {
    if (e.status === 401 || state.shell.isNoRole(e)) { state.shell.handleError(e); return; }
    const fields = e.body && e.body.fields ? e.body.fields : {};
    const labels = section("article.field");
    const details = Object.keys(fields).map(function (name) { return (labels[name] || name) + ": " + fields[name]; });
    el.testError.textContent = e.message + (details.length ? " " + details.join(" ") : "");
    el.testError.hidden = false;
    return;
  } finally {
    el.testRun.disabled = false;
    el.testResult.removeAttribute("aria-busy");
    el.testProgress.textContent = "";
    if (el.status.textContent === testing) { el.status.textContent = ""; }
  }
  const hits = Array.isArray(data.hits) ? data.hits : [];
  const outcome = ["answer", "clarify", "none"].indexOf(data.outcome) !== -1 ? data.outcome : "none";
  const text = outcomeText(outcome, hits);
  el.testOutcome.textContent = text;
  el.testOutcome.className = "outcome outcome-" + outcome;
  renderHits(hits);
  el.testResult.hidden = false;
  announce(text + " " + (hits.length === 1 ? t("ui.editor.hits_one") : t("ui.editor.hits", {count: hits.length})));
}

export function wireTest() { el.testForm.addEventListener("submit", runTest); }
