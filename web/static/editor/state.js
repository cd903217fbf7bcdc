// The editor's elements and state, shared by its modules.

import {$} from "../staff/dom.js";

export const FIELDS = [
  "slug", "title", "language", "tags", "owner", "audience", "reviewed", "review_by", "questions", "notes", "body",
];

export const el = {
  nav: $("nav"), navList: $("nav-list"), navGaps: $("nav-gaps"), status: $("status"),
  listView: $("list-view"), listTitle: $("list-title"), newArticle: $("new-article"),
  filterForm: $("filter-form"), filterQ: $("filter-q"), filterStatus: $("filter-status"),
  filterOwner: $("filter-owner"), filterOverdue: $("filter-overdue"),
  listCount: $("list-count"), articlesBody: $("articles-body"), listEmpty: $("list-empty"),
  articleView: $("article-view"), articleTitle: $("article-title"), articleStatus: $("article-status"),
  articleMeta: $("article-meta"), articleUrl: $("article-url"),
  conflict: $("conflict"), conflictText: $("conflict-text"), conflictLoad: $("conflict-load"),
  conflictCurrent: $("conflict-current"), conflictCurrentTitle: $("conflict-current-title"),
  conflictCurrentMeta: $("conflict-current-meta"), conflictCurrentName: $("conflict-current-name"),
  conflictCurrentBody: $("conflict-current-body"), conflictTake: $("conflict-take"),
  conflictOverwrite: $("conflict-overwrite"),
  errorSummary: $("error-summary"), errorList: $("error-list"),
  form: $("article-form"), ownerOptions: $("owner-options"), slugHint: $("f-slug-hint"),
  preview: $("preview"), previewStatus: $("preview-status"),
  save: $("save"), publish: $("publish"), retire: $("retire"), dirty: $("dirty"),
  testForm: $("test-form"), testQuery: $("test-query"), testRun: $("test-run"), testError: $("test-error"),
  testResult: $("test-result"), testProgress: $("test-progress"), testOutcome: $("test-outcome"),
  testHits: $("test-hits-body"),
  historyPanel: $("history-panel"), historyToggle: $("history-toggle"), historyContent: $("history-content"),
  versionsStatus: $("versions-status"), versions: $("versions"), audit: $("audit"),
  gapsView: $("gaps-view"), gapsTitle: $("gaps-title"), gapsSummary: $("gaps-summary"), gaps: $("gaps"),
  gapsEmpty: $("gaps-empty"), gapsNoneFound: $("gaps-none-found"),
  gapFilter: $("gap-filter"), gapQ: $("gap-q"), gapReason: $("gap-reason"), gapWeek: $("gap-week"),
  gapBulk: $("gap-bulk"), gapSelectAll: $("gap-select-all"), gapDismissSelected: $("gap-dismiss-selected"),
  gapSelected: $("gap-selected"),
};

export const field = {};
FIELDS.forEach(function (name) { field[name] = $("f-" + name); });
// The hints each field is described by anyway; an error message is added to these.
export const baseDescribedBy = {};
FIELDS.forEach(function (name) { baseDescribedBy[name] = field[name].getAttribute("aria-describedby") || ""; });

export const state = {
  shell: null,        // the page frame (login, errors), set by main.js
  nav: 0,             // bumps on every route change and on login/logout: late answers see it and stop
  lastHash: "",
  owners: [],
  ownersLoaded: false,
  listRequest: 0,
  article: null,      // the article as the server last sent it (null while new)
  baseVersion: null,  // the version this form started from: sent with PUT / restore to detect conflicts
  isNew: false,
  snapshot: "",       // the form as loaded or saved; anything else is an unsaved change
  slugTouched: false,
  prefill: null,      // a draft from the gap queue for the next "#/new"
  conflict: null,     // the current article from a 409
  busy: false,
  previewSeq: 0,
  previewTimer: null,
  historyOpen: false,
  stash: null,        // unsaved form kept across an expired session
  gaps: null,
  gapRequest: 0,
  gapArticles: null,  // [{slug, title, status}] for "als Frage zu Artikel hinzufügen", loaded with the queue
};

export function articlePath(slug, rest) { return "/api/articles/" + encodeURIComponent(slug) + (rest || ""); }

export function announce(text) {
  // Clear first, so the same words twice are announced twice.
  el.status.textContent = "";
  window.setTimeout(function () { el.status.textContent = text; }, 50);
}

export function slugify(text) {
  return String(text || "").toLowerCase()
    .replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss")
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
}

// A filter form that reloads its view: at once on submit and on a changed choice, 300 ms after typing stops.
export function wireFilters(form, choices, words, view, reload) {
  let timer = null;
  function now() {
    window.clearTimeout(timer);
    if (state.shell.view === view) { reload(false); }
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    now();
  });
  choices.forEach(function (input) { input.addEventListener("change", now); });
  words.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(now, 300);
  });
}
