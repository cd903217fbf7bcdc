// "Als Frage zu Artikel … hinzufügen": a gap cluster's (redacted) question joins an article's example questions
// as a new version (live in the chat within seconds, like any edit) and the cluster leaves the queue as done.

import {api} from "../staff/api.js";
import {make} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {removeClusters} from "./gaps.js";
import {announce, state} from "./state.js";

const FRESH_MS = 30000;  // the article list is read again after this, so new and retired articles show up
let loadedAt = 0;

// Every article a question can go to (not retired), by title; loaded with the queue.
export async function loadArticleChoices() {
  if (state.gapArticles && Date.now() - loadedAt < FRESH_MS) { return; }
  const data = await api("GET", "/api/articles");
  state.gapArticles = (Array.isArray(data.articles) ? data.articles : [])
    .filter(function (a) { return a && a.status !== "retired" && (a.flags || []).indexOf("damaged") === -1; })
    .map(function (a) { return {slug: String(a.slug || ""), title: String(a.title || a.slug || "")}; });
  loadedAt = Date.now();
}

function option(a) {
  const o = make("option", "", a.title);
  o.value = a.slug;
  return o;
}

function articleSelect(c, id) {
  const select = make("select");
  select.id = id;
  select.name = "slug";
  select.appendChild(option({slug: "", title: t("ui.editor.choose_article")}));
  const all = state.gapArticles || [];
  const rated = (Array.isArray(c.articles) ? c.articles : []).map(function (r) { return r.slug; })
    .filter(function (slug) { return all.some(function (a) { return a.slug === slug; }); });
  if (rated.length) {
    const group = make("optgroup");
    group.label = t("ui.editor.rated_articles");
    all.filter(function (a) { return rated.indexOf(a.slug) !== -1; }).forEach(function (a) { group.appendChild(option(a)); });
    select.appendChild(group);
  }
  const others = make("optgroup");
  others.label = t("ui.editor.all_articles");
  all.filter(function (a) { return rated.indexOf(a.slug) === -1; }).forEach(function (a) { others.appendChild(option(a)); });
  select.appendChild(others);
  select.value = rated[0] || "";
  return select;
}

function field(labelText, input, errorId) {
  const box = make("div", "field");
  const label = make("label", "", labelText);
  label.htmlFor = input.id;
  box.appendChild(label);
  box.appendChild(input);
  input.setAttribute("aria-describedby", errorId);
  return box;
}

export function addQuestionForm(c, li, index, titleId) {
  const prefix = "gap-" + index + "-add";
  const form = make("form", "add-question");
  form.noValidate = true;
  form.setAttribute("aria-labelledby", prefix + "-title " + titleId);
  const h = make("h3", "", t("ui.editor.add_question_title"));
  h.id = prefix + "-title";
  form.appendChild(h);
  const question = make("input");
  question.id = prefix + "-question";
  question.name = "question";
  question.type = "text";
  question.maxLength = 300;
  question.autocomplete = "off";
  question.value = (Array.isArray(c.questions) && c.questions[0]) || "";
  const select = articleSelect(c, prefix + "-article");
  const error = make("p", "field-error");
  error.id = prefix + "-error";
  error.setAttribute("role", "alert");
  error.hidden = true;
  const grid = make("div", "add-question-fields");
  grid.appendChild(field(t("ui.editor.question_label"), question, error.id));
  grid.appendChild(field(t("ui.editor.article_label"), select, error.id));
  form.appendChild(grid);
  const button = make("button", "primary", t("ui.editor.add_question"));
  button.type = "submit";
  const actions = make("div", "actions");
  actions.appendChild(button);
  form.appendChild(actions);
  form.appendChild(error);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit(c, li, {form: form, question: question, select: select, error: error, button: button});
  });
  return form;
}

function showProblem(parts, message, input) {
  parts.error.textContent = message;
  parts.error.hidden = false;
  [parts.question, parts.select].forEach(function (node) { node.removeAttribute("aria-invalid"); });
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

async function submit(c, li, parts) {
  const text = parts.question.value.trim();
  if (!text) { showProblem(parts, t("ui.editor.question_missing"), parts.question); return; }
  if (!parts.select.value) { showProblem(parts, t("ui.editor.choose_article_missing"), parts.select); return; }
  parts.error.hidden = true;
  parts.button.disabled = true;
  state.shell.clearError();
  let data;
  try {
    data = await api("POST", "/api/knowledge/gaps/add-question", {
      gap_ids: Array.isArray(c.gap_ids) ? c.gap_ids : [], slug: parts.select.value, question: text,
    });
  } catch (e) {
    parts.button.disabled = false;
    if (e.status === 401) { state.shell.handleError(e); return; }
    const fields = e.body && e.body.fields ? e.body.fields : {};
    const bad = fields.question ? parts.question : (fields.slug ? parts.select : null);
    showProblem(parts, fields.question || fields.slug || e.message, bad);
    return;
  }
  const article = data.article || {};
  state.gaps.added += Array.isArray(data.closed_ids) ? data.closed_ids.length : 0;
  removeClusters([li]);
  const values = {question: data.question || text, title: article.title || parts.select.value, version: article.version};
  announce(data.added ? t("ui.editor.question_added", values) : t("ui.editor.question_present", values));
}
