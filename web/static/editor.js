// Knowledge editor: article list, one article's form with live preview, test panel and history, the gap queue.
// Everything that comes from the server is rendered with textContent, never as HTML; the one exception is the
// preview, whose HTML the server renders and sanitises (the same renderer as /kb/) and which is parsed with
// DOMParser into the preview container only.
(function () {
  "use strict";

  const STATUS_TEXT = {draft: "Entwurf", published: "veröffentlicht", retired: "zurückgezogen"};
  const FLAG_TEXT = {
    poor_feedback: "Schlechte Bewertungen", review_overdue: "Überprüfung überfällig",
    damaged: "beschädigt (nicht lesbar, nicht im Chat)",
  };
  const ACTION_TEXT = {
    create: "angelegt", import: "importiert", publish: "veröffentlicht", retire: "zurückgezogen",
    restore: "wiederhergestellt", update: "geändert",
  };
  const REASON_TEXT = {
    none: "keine passende Anleitung", clarify: "Rückfrage nötig", not_helpful: "als nicht hilfreich bewertet",
    no_answer: "unbeantwortet",
  };
  const FIELD_LABELS = {
    slug: "Kurzname", title: "Titel", language: "Sprache", tags: "Schlagwörter", owner: "Verantwortlich",
    audience: "Zielgruppe", reviewed: "Zuletzt geprüft am", review_by: "Erneut prüfen bis",
    questions: "Typische Fragen", notes: "Interne Notizen", body: "Text",
  };
  const FIELDS = Object.keys(FIELD_LABELS);
  const BODY_TEMPLATE = "## So gehen Sie vor\n1. \n\n## Wenn es nicht funktioniert\n- \n\n" +
    "## Wann Sie den Service Desk kontaktieren\n";
  const VIEW_TITLE = {list: "Artikel", article: "Artikel bearbeiten", gaps: "Wissenslücken"};
  const TEXT = {
    offline: "Der Server ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
    failed: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
    loginFailed: "Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort.",
    loginMissing: "Bitte geben Sie Benutzername und Passwort ein.",
    expired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an. Ungespeicherte Änderungen bleiben erhalten.",
    leave: "Sie haben ungespeicherte Änderungen. Möchten Sie die Seite trotzdem verlassen? Die Änderungen gehen verloren.",
    conflict: "Der Artikel wurde inzwischen von einer anderen Person geändert.",
    queryMissing: "Bitte geben Sie eine Frage ein.",
    notFound: "Diesen Artikel gibt es nicht (mehr).",
    restored: "Ihre ungespeicherten Änderungen wurden wiederhergestellt.",
  };

  const $ = function (id) { return document.getElementById(id); };
  const el = {
    nav: $("nav"), navList: $("nav-list"), navGaps: $("nav-gaps"),
    userbox: $("userbox"), userName: $("user-name"), logout: $("logout"), error: $("error"), status: $("status"),
    loginView: $("login-view"), loginForm: $("login-form"), username: $("username"), password: $("password"),
    loginError: $("login-error"), noRole: $("no-role"), noRoleTitle: $("no-role-title"), noRoleText: $("no-role-text"),
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
    testResult: $("test-result"), testOutcome: $("test-outcome"), testHits: $("test-hits-body"),
    historyPanel: $("history-panel"), historyToggle: $("history-toggle"), historyContent: $("history-content"),
    versionsStatus: $("versions-status"), versions: $("versions"), audit: $("audit"),
    gapsView: $("gaps-view"), gapsTitle: $("gaps-title"), gapsSummary: $("gaps-summary"), gaps: $("gaps"),
    gapsEmpty: $("gaps-empty"),
  };
  const field = {};
  FIELDS.forEach(function (name) { field[name] = $("f-" + name); });
  // The hints each field is described by anyway; an error message is added to these.
  const baseDescribedBy = {};
  FIELDS.forEach(function (name) { baseDescribedBy[name] = field[name].getAttribute("aria-describedby") || ""; });

  const state = {
    csrf: "",
    user: null,
    nav: 0,             // bumps on every route change and on login/logout: late answers see it and stop
    view: null,
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
  };

  // ---------------------------------------------------------------- helpers

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body) {
    const headers = {"Accept": "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET") { headers["X-CSRF-Token"] = state.csrf || ""; }
    let resp;
    try {
      resp = await fetch(path, {
        method: method,
        headers: headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, TEXT.offline, null);
    }
    let data = null;
    try { data = await resp.json(); } catch (_) { data = null; }
    if (!resp.ok) {
      const message = data && typeof data.error === "string" && data.error ? data.error : TEXT.failed;
      throw new ApiError(resp.status, message, data);
    }
    return data || {};
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function isNumber(value) { return typeof value === "number" && isFinite(value); }

  function articlePath(slug, rest) { return "/api/articles/" + encodeURIComponent(slug) + (rest || ""); }

  const COUNT = new Intl.NumberFormat("de-DE", {maximumFractionDigits: 0});
  const SCORE = new Intl.NumberFormat("de-DE", {minimumFractionDigits: 3, maximumFractionDigits: 3});
  const PERCENT = new Intl.NumberFormat("de-DE", {style: "percent", maximumFractionDigits: 0});

  function countText(value) { return COUNT.format(isNumber(value) ? value : 0); }

  function germanDay(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return m ? m[3] + "." + m[2] + "." + m[1] : String(iso || "");
  }

  function dateTimeText(value) {
    if (!value) { return ""; }
    const d = new Date(value);
    return isNaN(d.getTime()) ? String(value) : d.toLocaleString("de-DE", {dateStyle: "short", timeStyle: "short"});
  }

  function weekText(value) {
    const m = /^(\d{4})-W(\d{1,2})$/.exec(String(value || ""));
    return m ? "KW " + Number(m[2]) + "/" + m[1] : String(value || "");
  }

  function isoToday() {
    const d = new Date();
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function statusText(status) { return STATUS_TEXT[status] || String(status || ""); }

  function badge(text, kind) { return make("span", "badge" + (kind ? " badge-" + kind : ""), text); }

  // Only our own article pages are linked; anything else stays text.
  function ownUrl(value) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      const url = new URL(value, window.location.origin);
      return url.origin === window.location.origin && url.pathname.indexOf("/kb/") === 0 ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function slugify(text) {
    return String(text || "").toLowerCase()
      .replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  }

  function announce(text) {
    // Clear first, so the same words twice are announced twice.
    el.status.textContent = "";
    window.setTimeout(function () { el.status.textContent = text; }, 50);
  }

  function showError(message) {
    el.error.textContent = message || TEXT.failed;
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.error.textContent = "";
  }

  function isNoRole(e) { return e && e.status === 403 && e.body && e.body.role; }

  // The one place that decides what a failed call means for the page.
  function handleError(e) {
    if (e && e.status === 401) { sessionExpired(); return; }
    if (isNoRole(e)) { showNoRole(e.message); return; }
    showError(e && e.message ? e.message : TEXT.failed);
  }

  // ---------------------------------------------------------------- views and routing

  function showView(name) {
    state.view = name;
    const app = ["list", "article", "gaps"].indexOf(name) !== -1;
    el.loginView.hidden = name !== "login";
    el.noRole.hidden = name !== "no-role";
    el.listView.hidden = name !== "list";
    el.articleView.hidden = name !== "article";
    el.gapsView.hidden = name !== "gaps";
    el.nav.hidden = !app;
    el.userbox.hidden = name === "login";
    el.navList.removeAttribute("aria-current");
    el.navGaps.removeAttribute("aria-current");
    if (name === "list") { el.navList.setAttribute("aria-current", "page"); }
    if (name === "gaps") { el.navGaps.setAttribute("aria-current", "page"); }
    if (app) { document.title = VIEW_TITLE[name] + " – Wissensredaktion – IT-Service-Desk"; }
  }

  function parseHash() {
    const hash = window.location.hash || "";
    const m = /^#\/article\/(.+)$/.exec(hash);
    if (m) {
      let slug = m[1];
      try { slug = decodeURIComponent(slug); } catch (_) { /* keep as is */ }
      return {name: "article", slug: slug};
    }
    if (hash === "#/new") { return {name: "new"}; }
    if (hash === "#/gaps") { return {name: "gaps"}; }
    return {name: "list"};
  }

  function go(hash) {
    if (window.location.hash === hash) { route(true); } else { window.location.hash = hash; }
  }

  function route(focus) {
    state.nav += 1;
    state.lastHash = window.location.hash;
    clearError();
    const r = parseHash();
    if (r.name === "article") { return openArticle(r.slug, focus); }
    if (r.name === "new") { return newArticle(focus); }
    if (r.name === "gaps") { return showGaps(focus); }
    return showList(focus);
  }

  window.addEventListener("hashchange", function () {
    if (!state.user || state.view === "login" || state.view === "no-role") { return; }
    if (state.view === "article" && isDirty() && !window.confirm(TEXT.leave)) {
      history.replaceState(null, "", state.lastHash || "#/list");  // stay; replaceState fires no hashchange
      return;
    }
    route(true);
  });

  window.addEventListener("beforeunload", function (ev) {
    if (state.view === "article" && isDirty()) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });

  // ---------------------------------------------------------------- login

  function showLogin(message) {
    state.nav += 1;
    state.user = null;
    state.csrf = "";
    showView("login");
    clearError();
    el.loginError.hidden = !message;
    el.loginError.textContent = message || "";
    el.password.value = "";
    document.title = "Anmeldung – Wissensredaktion – IT-Service-Desk";
    el.username.focus();
  }

  function sessionExpired() {
    if (state.view === "article" && isDirty()) {
      state.stash = {hash: window.location.hash, fields: rawFields(), baseVersion: state.baseVersion};
    }
    showLogin(TEXT.expired);
  }

  function showNoRole(serverMessage) {
    state.nav += 1;
    showView("no-role");
    const name = state.user ? state.user.display_name || state.user.username : "";
    el.noRoleText.textContent = "Ihr Konto" + (name ? " „" + name + "“" : "") + " hat nicht die Rolle „editor“ " +
      "(Redaktion). Die Wissensredaktion ist nur für Redakteurinnen und Redakteure freigegeben." +
      (serverMessage ? " (" + serverMessage + ")" : "");
    document.title = "Kein Zugriff – Wissensredaktion – IT-Service-Desk";
    el.noRoleTitle.focus();
  }

  async function enter(data, focus) {
    state.user = data.user || {};
    state.csrf = data.csrf_token || "";
    state.ownersLoaded = false;
    el.userName.textContent = state.user.display_name || state.user.username || "";
    el.loginError.hidden = true;
    clearError();
    const roles = Array.isArray(state.user.roles) ? state.user.roles : null;
    if (roles && roles.indexOf("editor") === -1 && roles.indexOf("admin") === -1) {
      showNoRole("");
      return;
    }
    await route(focus);
  }

  el.loginForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const username = el.username.value.trim();
    const password = el.password.value;
    if (!username || !password) {
      el.loginError.textContent = TEXT.loginMissing;
      el.loginError.hidden = false;
      (username ? el.password : el.username).focus();
      return;
    }
    const button = el.loginForm.querySelector("button[type=submit]");
    button.disabled = true;
    let data;
    try {
      data = await api("POST", "/api/auth/login", {username: username, password: password});
    } catch (e) {
      el.password.value = "";
      el.loginError.textContent = e.status === 401 ? (e.body && e.body.error) || TEXT.loginFailed : e.message;
      el.loginError.hidden = false;
      el.password.focus();
      return;
    } finally {
      button.disabled = false;
    }
    el.password.value = "";
    await enter(data, true);
  });

  el.logout.addEventListener("click", async function () {
    if (state.view === "article" && isDirty() && !window.confirm(TEXT.leave)) { return; }
    try {
      await api("POST", "/api/auth/logout", {});
    } catch (e) {
      if (e.status !== 401) { showError(e.message); return; }
    }
    state.stash = null;
    state.snapshot = JSON.stringify(rawFields());  // nothing left to warn about
    history.replaceState(null, "", window.location.pathname + "#/list");
    showLogin("");
  });

  // ---------------------------------------------------------------- article list

  function setOwners(owners) {
    if (!Array.isArray(owners)) { return; }
    state.owners = owners.filter(function (o) { return typeof o === "string" && o; });
    state.ownersLoaded = true;
    const chosen = el.filterOwner.value;
    while (el.filterOwner.options.length > 1) { el.filterOwner.remove(1); }
    clear(el.ownerOptions);
    state.owners.forEach(function (o) {
      const option = make("option", "", o);
      option.value = o;
      el.filterOwner.appendChild(option);
      const suggestion = make("option");
      suggestion.value = o;
      el.ownerOptions.appendChild(suggestion);
    });
    el.filterOwner.value = state.owners.indexOf(chosen) !== -1 ? chosen : "";
  }

  function listQuery() {
    const params = new URLSearchParams();
    const q = el.filterQ.value.trim();
    if (q) { params.set("q", q); }
    if (el.filterStatus.value) { params.set("status", el.filterStatus.value); }
    if (el.filterOwner.value) { params.set("owner", el.filterOwner.value); }
    if (el.filterOverdue.checked) { params.set("overdue", "1"); }
    const text = params.toString();
    return text ? "?" + text : "";
  }

  async function showList(focus) {
    const nav = state.nav;
    const request = ++state.listRequest;
    let data;
    try {
      data = await api("GET", "/api/articles" + listQuery());
    } catch (e) {
      if (nav !== state.nav || request !== state.listRequest) { return; }
      handleError(e);
      if (e.status !== 401 && !isNoRole(e)) { showView("list"); }
      return;
    }
    if (nav !== state.nav || request !== state.listRequest) { return; }
    setOwners(data.owners);
    renderList(Array.isArray(data.articles) ? data.articles : []);
    const wasList = state.view === "list";
    showView("list");
    if (focus && !wasList) { el.listTitle.focus(); }
  }

  function ratioText(stats) {
    const up = stats && isNumber(stats.helpful) ? stats.helpful : 0;
    const down = stats && isNumber(stats.not_helpful) ? stats.not_helpful : 0;
    if (!up && !down) { return "–"; }
    const ratio = stats && isNumber(stats.helpful_ratio) ? stats.helpful_ratio : up / (up + down);
    return countText(up) + " / " + countText(down) + " (" + PERCENT.format(ratio) + ")";
  }

  function flagBadges(flags) {
    const cell = make("td", "flags");
    (Array.isArray(flags) ? flags : []).forEach(function (f) { cell.appendChild(badge(FLAG_TEXT[f] || f, "flag")); });
    return cell;
  }

  function renderList(articles) {
    clear(el.articlesBody);
    articles.forEach(function (a) {
      const tr = make("tr");
      tr.dataset.slug = a.slug || "";
      const titleCell = make("td");
      const link = make("a", "", a.title || a.slug || "");
      link.href = "#/article/" + encodeURIComponent(a.slug || "");
      titleCell.appendChild(link);
      tr.appendChild(titleCell);
      const statusCell = make("td");
      statusCell.appendChild(badge(statusText(a.status), a.status));
      tr.appendChild(statusCell);
      tr.appendChild(make("td", "", a.owner || "–"));
      tr.appendChild(make("td", "date", a.review_by ? germanDay(a.review_by) : "–"));
      const stats = a.stats || {};
      tr.appendChild(make("td", "num", countText(stats.shown)));
      tr.appendChild(make("td", "num", ratioText(stats)));
      tr.appendChild(flagBadges(a.flags));
      el.articlesBody.appendChild(tr);
    });
    el.listEmpty.hidden = articles.length > 0;
    el.listCount.textContent = articles.length === 1 ? "1 Artikel" : countText(articles.length) + " Artikel";
  }

  let filterTimer = null;

  function reloadList() {
    window.clearTimeout(filterTimer);
    if (state.view === "list") { showList(false); }
  }

  el.filterForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    reloadList();
  });
  [el.filterStatus, el.filterOwner, el.filterOverdue].forEach(function (input) {
    input.addEventListener("change", reloadList);
  });
  el.filterQ.addEventListener("input", function () {
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(reloadList, 300);
  });

  el.newArticle.addEventListener("click", function () { go("#/new"); });

  async function ensureOwners() {
    if (state.ownersLoaded) { return; }
    try {
      const data = await api("GET", "/api/articles");
      setOwners(data.owners);
    } catch (_) { /* only suggestions */ }
  }

  // ---------------------------------------------------------------- the article form

  function rawFields() {
    const raw = {};
    FIELDS.forEach(function (name) { raw[name] = field[name].value; });
    return raw;
  }

  function lines(text) {
    return String(text || "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  // What the API takes: tags and questions as lists.
  function payload() {
    const raw = rawFields();
    return {
      slug: raw.slug.trim(),
      title: raw.title.trim(),
      language: raw.language,
      tags: raw.tags.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
      owner: raw.owner.trim(),
      reviewed: raw.reviewed,
      review_by: raw.review_by,
      audience: raw.audience.trim(),
      questions: lines(raw.questions),
      notes: raw.notes,
      body: raw.body,
    };
  }

  function setValue(input, value) {
    const text = value === undefined || value === null ? "" : String(value);
    if (input.tagName === "SELECT" && text && !Array.prototype.some.call(input.options, function (o) {
      return o.value === text;
    })) {
      const option = make("option", "", text);
      option.value = text;
      input.appendChild(option);
    }
    if (input.value !== text) { input.value = text; }  // untouched fields keep the caret where it is
  }

  function fillForm(a) {
    setValue(field.slug, a.slug);
    setValue(field.title, a.title);
    setValue(field.language, a.language || "de");
    setValue(field.tags, Array.isArray(a.tags) ? a.tags.join(", ") : a.tags);
    setValue(field.owner, a.owner);
    setValue(field.reviewed, a.reviewed);
    // The list shows the due date; the form edits what was set ("" = one year after the last review).
    setValue(field.review_by, a.review_by_set !== undefined ? a.review_by_set : a.review_by);
    setValue(field.audience, a.audience);
    setValue(field.questions, Array.isArray(a.questions) ? a.questions.join("\n") : a.questions);
    setValue(field.notes, a.notes);
    setValue(field.body, a.body);
  }

  function markClean() {
    state.snapshot = JSON.stringify(rawFields());
    updateDirty();
  }

  function isDirty() { return state.snapshot !== "" && JSON.stringify(rawFields()) !== state.snapshot; }

  function updateDirty() { el.dirty.hidden = !isDirty(); }

  function setSlugEditable(editable) {
    field.slug.readOnly = !editable;
    el.slugHint.textContent = editable
      ? "Kleinbuchstaben, Ziffern und Bindestriche; nach dem Anlegen nicht mehr änderbar."
      : "Der Kurzname ist Teil der Adresse und kann nicht mehr geändert werden.";
  }

  function renderStatus() {
    const a = state.article;
    if (state.isNew || !a) {
      el.articleTitle.textContent = "Neuer Artikel";
      el.articleStatus.textContent = "neu";
      el.articleStatus.className = "badge badge-draft";
      el.articleMeta.textContent = "Noch nicht gespeichert";
      el.articleUrl.hidden = true;
    } else {
      el.articleTitle.textContent = a.title || a.slug;
      el.articleStatus.textContent = statusText(a.status);
      el.articleStatus.className = "badge badge-" + (a.status || "");
      const parts = ["Version " + (isNumber(a.version) ? a.version : "–")];
      if (a.updated_at) {
        parts.push("zuletzt geändert am " + dateTimeText(a.updated_at) + (a.updated_by ? " von " + a.updated_by : ""));
      }
      el.articleMeta.textContent = parts.join(" · ");
      const url = a.status === "published" ? ownUrl(a.url) : null;
      el.articleUrl.hidden = !url;
      if (url) { el.articleUrl.href = url; }
    }
    el.retire.hidden = state.isNew;
    el.retire.disabled = state.busy || !a || a.status === "retired";
    el.publish.textContent = a && a.status === "published" && !state.isNew ? "Erneut veröffentlichen" : "Veröffentlichen";
    el.historyPanel.hidden = state.isNew;
    document.title = (state.isNew ? "Neuer Artikel" : (a && a.title) || "Artikel") + " – Wissensredaktion – IT-Service-Desk";
  }

  function setBusy(busy) {
    state.busy = busy;
    el.save.disabled = busy;
    el.publish.disabled = busy;
    el.retire.disabled = busy || !state.article || state.article.status === "retired";
    el.conflictOverwrite.disabled = busy;
    el.conflictTake.disabled = busy;
    el.versions.querySelectorAll("button.restore").forEach(function (b) { b.disabled = busy; });
    if (busy) { el.form.setAttribute("aria-busy", "true"); } else { el.form.removeAttribute("aria-busy"); }
  }

  function resetPanels() {
    clearFieldErrors();
    hideConflict();
    el.testError.hidden = true;
    el.testResult.hidden = true;
    clear(el.testHits);
  }

  // A loaded (or reloaded) article replaces the form.
  function loadIntoEditor(a, keepHistory) {
    const sameArticle = state.article && !state.isNew && state.article.slug === a.slug;
    state.article = a;
    state.baseVersion = a.version;
    state.isNew = false;
    state.slugTouched = true;
    resetPanels();
    fillForm(a);
    setSlugEditable(false);
    markClean();
    renderStatus();
    schedulePreview(0);
    if (!(keepHistory && sameArticle)) { closeHistory(); } else if (state.historyOpen) { loadHistory(); }
  }

  async function openArticle(slug, focus) {
    const nav = state.nav;
    let a;
    try {
      a = await api("GET", articlePath(slug));
    } catch (e) {
      if (nav !== state.nav) { return; }
      // Unknown, or damaged (its stored text cannot be read: the list marks it "beschädigt").
      if (e.status === 404 || (e.status === 409 && e.body && e.body.damaged)) {
        history.replaceState(null, "", "#/list");
        await route(focus);
        showError(e.message || TEXT.notFound);
        return;
      }
      handleError(e);
      return;
    }
    if (nav !== state.nav) { return; }
    const same = state.view === "article" && state.article && state.article.slug === a.slug;
    loadIntoEditor(a, same);
    applyStash();
    showView("article");
    renderStatus();
    if (focus) { el.articleTitle.focus(); }
    ensureOwners();
  }

  function emptyArticle() {
    return {
      slug: "", title: "", language: "de", tags: [], owner: "", reviewed: isoToday(), review_by: "",
      audience: "alle Beschäftigten", questions: [], notes: "", body: BODY_TEMPLATE,
    };
  }

  function newArticle(focus) {
    const prefill = state.prefill;
    state.prefill = null;
    state.article = null;
    state.baseVersion = null;
    state.isNew = true;
    state.slugTouched = false;
    resetPanels();
    closeHistory();
    fillForm(emptyArticle());
    setSlugEditable(true);
    markClean();
    if (prefill) {
      fillForm(Object.assign(emptyArticle(), prefill));
      field.slug.value = slugify(field.title.value);
      updateDirty();  // a draft from the gap queue is unsaved work
    }
    applyStash();
    showView("article");
    renderStatus();
    schedulePreview(0);
    if (focus) { el.articleTitle.focus(); }
    ensureOwners();
  }

  // After a re-login, the form the expired session left behind comes back.
  function applyStash() {
    const stash = state.stash;
    if (!stash || stash.hash !== window.location.hash) { return; }
    state.stash = null;
    fillForm(stash.fields);
    if (!state.isNew && stash.baseVersion !== null) { state.baseVersion = stash.baseVersion; }
    updateDirty();
    schedulePreview(0);
    announce(TEXT.restored);
  }

  el.form.addEventListener("input", function (ev) {
    if (ev.target === field.slug) { state.slugTouched = true; }
    if (ev.target === field.title && state.isNew && !state.slugTouched) { field.slug.value = slugify(field.title.value); }
    if (ev.target === field.body) { schedulePreview(300); }
    updateDirty();
  });
  el.form.addEventListener("change", updateDirty);
  el.form.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === "s" || ev.key === "S")) {
      ev.preventDefault();
      save();
    }
  });

  // ---------------------------------------------------------------- field errors

  function clearFieldErrors() {
    FIELDS.forEach(function (name) {
      const err = $("f-" + name + "-error");
      err.hidden = true;
      err.textContent = "";
      field[name].removeAttribute("aria-invalid");
      if (baseDescribedBy[name]) {
        field[name].setAttribute("aria-describedby", baseDescribedBy[name]);
      } else {
        field[name].removeAttribute("aria-describedby");
      }
    });
    el.errorSummary.hidden = true;
    clear(el.errorList);
  }

  function showFieldErrors(fields, message) {
    clearFieldErrors();
    const names = Object.keys(fields || {});
    names.forEach(function (name) {
      const text = String(fields[name] || message || "");
      const input = field[name];
      const li = make("li");
      if (input) {
        const err = $("f-" + name + "-error");
        err.textContent = text;
        err.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", (baseDescribedBy[name] + " " + err.id).trim());
        const jump = make("button", "linklike", FIELD_LABELS[name] + ": " + text);
        jump.type = "button";
        jump.addEventListener("click", function () { input.focus(); });
        li.appendChild(jump);
      } else {
        li.textContent = name + ": " + text;
      }
      el.errorList.appendChild(li);
    });
    if (!names.length) { el.errorList.appendChild(make("li", "", message || TEXT.failed)); }
    el.errorSummary.hidden = false;
    el.errorSummary.focus();
  }

  // ---------------------------------------------------------------- conflicts (409)

  function hideConflict() {
    state.conflict = null;
    el.conflict.hidden = true;
    el.conflictText.textContent = "";
    el.conflictCurrent.hidden = true;
    el.conflictLoad.setAttribute("aria-expanded", "false");
  }

  function showConflict(message, current) {
    state.conflict = current && typeof current === "object" ? current : null;
    el.conflictCurrent.hidden = true;
    el.conflictLoad.setAttribute("aria-expanded", "false");
    el.conflict.hidden = false;
    el.conflictText.textContent = message || TEXT.conflict;  // set after showing, so the alert is announced
    updateDirty();
    el.conflictLoad.focus();
  }

  el.conflictLoad.addEventListener("click", async function () {
    if (!state.article) { return; }
    let current = state.conflict;
    try {
      current = await api("GET", articlePath(state.article.slug));
    } catch (e) {
      if (!current) { handleError(e); return; }
    }
    state.conflict = current;
    el.conflictCurrentMeta.textContent = "Version " + current.version + ", " + statusText(current.status) +
      (current.updated_at ? ", gespeichert am " + dateTimeText(current.updated_at) : "") +
      (current.updated_by ? " von " + current.updated_by : "");
    el.conflictCurrentName.textContent = current.title || "";
    el.conflictCurrentBody.textContent = current.body || "";
    el.conflictCurrent.hidden = false;
    el.conflictLoad.setAttribute("aria-expanded", "true");
    el.conflictCurrentTitle.focus();
  });

  el.conflictTake.addEventListener("click", function () {
    const current = state.conflict;
    if (!current) { return; }
    loadIntoEditor(current, true);
    announce("Die neueste Version " + current.version + " ist geladen.");
    el.articleTitle.focus();
  });

  el.conflictOverwrite.addEventListener("click", async function () {
    const current = state.conflict;
    if (!current) { return; }
    // Deliberately on top of the newest version: the editor has seen it and chose their own text.
    state.article = current;
    state.baseVersion = current.version;
    hideConflict();
    await save();
  });

  // ---------------------------------------------------------------- save, publish, retire

  // 400 → field errors, 409 → conflict, anything else → the page's error line.
  function failed(e) {
    if (e.status === 400 && e.body && (e.body.fields || e.body.field)) {
      const fields = e.body.fields || {};
      if (e.body.field && !fields[e.body.field]) { fields[e.body.field] = e.message; }
      showFieldErrors(fields, e.message);
      return;
    }
    if (e.status === 400) { showFieldErrors({}, e.message); return; }
    if (e.status === 409 && state.isNew) {
      showFieldErrors(e.body && e.body.fields ? e.body.fields : {slug: e.message}, e.message);
      return;
    }
    if (e.status === 409) { showConflict(e.message, e.body && e.body.current); return; }
    handleError(e);
  }

  async function save() {
    if (state.busy) { return null; }
    clearError();
    clearFieldErrors();
    const sent = JSON.stringify(rawFields());
    const body = payload();
    const wasNew = state.isNew;
    const nav = state.nav;
    setBusy(true);
    let a;
    try {
      if (wasNew) {
        a = await api("POST", "/api/articles", body);
      } else {
        body.version = state.baseVersion;
        delete body.slug;
        a = await api("PUT", articlePath(state.article.slug), body);
      }
    } catch (e) {
      setBusy(false);
      if (nav === state.nav) { failed(e); }
      return null;
    }
    setBusy(false);
    if (nav !== state.nav) { return a; }
    state.article = a;
    state.baseVersion = a.version;
    state.isNew = false;
    hideConflict();
    if (JSON.stringify(rawFields()) === sent) {
      fillForm(a);  // the server's normalised form (e.g. the review date it filled in)
      markClean();
    } else {
      state.snapshot = sent;  // typed on while saving: that part is still unsaved
      updateDirty();
    }
    setSlugEditable(false);
    if (wasNew) {
      history.replaceState(null, "", "#/article/" + encodeURIComponent(a.slug));
      state.lastHash = window.location.hash;
    }
    renderStatus();
    if (state.historyOpen) { loadHistory(); }
    announce(wasNew ? "Der Artikel wurde als Entwurf angelegt." : "Gespeichert (Version " + a.version + ").");
    return a;
  }

  el.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    save();
  });

  el.publish.addEventListener("click", async function () {
    if (state.busy) { return; }
    if (state.isNew || isDirty()) {
      const saved = await save();
      if (!saved) { return; }
    }
    const nav = state.nav;
    const slug = state.article.slug;
    setBusy(true);
    let a;
    try {
      // The version shown: publishing what someone else changed meanwhile is a conflict, not a surprise.
      a = await api("POST", articlePath(slug, "/publish"), {version: state.baseVersion});
    } catch (e) {
      setBusy(false);
      if (nav === state.nav) { failed(e); }
      return;
    }
    setBusy(false);
    if (nav !== state.nav) { return; }
    adopt(a);
    announce("Der Artikel ist veröffentlicht und steht dem Assistenten in wenigen Sekunden zur Verfügung.");
  });

  el.retire.addEventListener("click", async function () {
    const a0 = state.article;
    if (state.busy || !a0 || state.isNew) { return; }
    const ok = window.confirm("Möchten Sie den Artikel „" + (a0.title || a0.slug) + "“ wirklich zurückziehen? " +
      "Der Assistent bietet ihn dann nicht mehr an; der Verlauf bleibt erhalten.");
    if (!ok) { return; }
    const nav = state.nav;
    setBusy(true);
    let a;
    try {
      a = await api("DELETE", articlePath(a0.slug));
    } catch (e) {
      setBusy(false);
      if (nav === state.nav) { failed(e); }
      return;
    }
    setBusy(false);
    if (nav !== state.nav) { return; }
    adopt(a);
    announce("Der Artikel wurde zurückgezogen.");
  });

  // A status change (publish, retire) from the server; unsaved text in the form stays.
  function adopt(a) {
    const dirty = isDirty();
    state.article = a;
    state.baseVersion = a.version;
    if (!dirty) {
      fillForm(a);
      markClean();
    }
    renderStatus();
    if (state.historyOpen) { loadHistory(); }
  }

  // ---------------------------------------------------------------- preview

  function schedulePreview(delay) {
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
      el.previewStatus.textContent = "Noch kein Text.";
      return;
    }
    el.previewStatus.textContent = "Vorschau wird aktualisiert …";
    let data;
    try {
      data = await api("POST", "/api/articles/preview", {body: body});
    } catch (e) {
      if (seq !== state.previewSeq) { return; }
      if (e.status === 401) { sessionExpired(); return; }
      el.previewStatus.textContent = "Die Vorschau ist gerade nicht verfügbar: " + e.message;
      return;
    }
    if (seq !== state.previewSeq) { return; }
    // The server's sanitised HTML, parsed off-document (DOMParser runs no scripts), scrubbed once more,
    // then moved into this one container.
    const doc = new DOMParser().parseFromString(String(data.html || ""), "text/html");
    scrub(doc.body);
    const nodes = Array.prototype.slice.call(doc.body.childNodes).map(function (n) {
      return document.importNode(n, true);
    });
    el.preview.replaceChildren.apply(el.preview, nodes);
    el.previewStatus.textContent = "";
  }

  // ---------------------------------------------------------------- test panel

  function outcomeText(outcome, hits) {
    const top = hits[0] ? hits[0].title || hits[0].slug : "";
    if (outcome === "answer") {
      return "Antwort: Der Assistent würde mit „" + top + "“ antworten.";
    }
    if (outcome === "clarify") {
      return "Rückfrage: Der Assistent wäre unsicher und würde nachfragen, welche Anleitung gemeint ist.";
    }
    return "Keine Antwort: Der Assistent fände keine passende Anleitung und würde das offen sagen.";
  }

  el.testForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const query = el.testQuery.value.trim();
    el.testError.hidden = true;
    if (!query) {
      el.testError.textContent = TEXT.queryMissing;
      el.testError.hidden = false;
      el.testQuery.focus();
      return;
    }
    const draft = payload();
    if (state.article && !state.isNew) { draft.slug = state.article.slug; }
    if (!draft.slug) { draft.slug = slugify(draft.title) || "neuer-artikel"; }
    el.testRun.disabled = true;
    el.testResult.setAttribute("aria-busy", "true");
    let data;
    try {
      data = await api("POST", "/api/knowledge/test", {query: query, article: draft});
    } catch (e) {
      if (e.status === 401 || isNoRole(e)) { handleError(e); return; }
      const fields = e.body && e.body.fields ? e.body.fields : {};
      const details = Object.keys(fields).map(function (name) {
        return (FIELD_LABELS[name] || name) + ": " + fields[name];
      });
      el.testError.textContent = e.message + (details.length ? " " + details.join(" ") : "");
      el.testError.hidden = false;
      return;
    } finally {
      el.testRun.disabled = false;
      el.testResult.removeAttribute("aria-busy");
    }
    const hits = Array.isArray(data.hits) ? data.hits : [];
    const outcome = ["answer", "clarify", "none"].indexOf(data.outcome) !== -1 ? data.outcome : "none";
    const text = outcomeText(outcome, hits);
    el.testOutcome.textContent = text;
    el.testOutcome.className = "outcome outcome-" + outcome;
    clear(el.testHits);
    hits.forEach(function (h, i) {
      const tr = make("tr", h.draft ? "is-draft" : "");
      tr.dataset.slug = h.slug || "";
      tr.appendChild(make("td", "num", i + 1));
      tr.appendChild(make("td", "", h.title || h.slug || ""));
      tr.appendChild(make("td", "num", isNumber(h.score) ? SCORE.format(h.score) : "–"));
      const note = make("td");
      if (h.draft) { note.appendChild(badge("Entwurf", "draft-hit")); }
      tr.appendChild(note);
      el.testHits.appendChild(tr);
    });
    if (!hits.length) {
      const tr = make("tr");
      const td = make("td", "muted", "Keine Treffer.");
      td.colSpan = 4;
      tr.appendChild(td);
      el.testHits.appendChild(tr);
    }
    el.testResult.hidden = false;
    announce(text + " " + (hits.length === 1 ? "1 Treffer." : hits.length + " Treffer."));
  });

  // ---------------------------------------------------------------- history

  function closeHistory() {
    state.historyOpen = false;
    el.historyContent.hidden = true;
    el.historyToggle.setAttribute("aria-expanded", "false");
    el.historyToggle.textContent = "Verlauf anzeigen";
    clear(el.versions);
    clear(el.audit);
  }

  el.historyToggle.addEventListener("click", function () {
    if (state.historyOpen) { closeHistory(); return; }
    state.historyOpen = true;
    el.historyContent.hidden = false;
    el.historyToggle.setAttribute("aria-expanded", "true");
    el.historyToggle.textContent = "Verlauf ausblenden";
    loadHistory();
  });

  async function loadHistory() {
    if (!state.article || state.isNew) { return; }
    const slug = state.article.slug;
    const nav = state.nav;
    el.versionsStatus.textContent = "Der Verlauf wird geladen …";
    let versions;
    let audit;
    try {
      const answers = await Promise.all([api("GET", articlePath(slug, "/versions")), api("GET", articlePath(slug, "/audit"))]);
      versions = answers[0];
      audit = answers[1];
    } catch (e) {
      if (nav !== state.nav) { return; }
      el.versionsStatus.textContent = "";
      handleError(e);
      return;
    }
    if (nav !== state.nav || !state.article || state.article.slug !== slug) { return; }
    renderVersions(Array.isArray(versions.versions) ? versions.versions : []);
    renderAudit(Array.isArray(audit.events) ? audit.events : []);
  }

  function diffBlock(text, id) {
    const pre = make("pre", "diff");
    pre.id = id;
    pre.tabIndex = 0;
    pre.hidden = true;
    String(text || "").split("\n").forEach(function (line) {
      let kind = "diff-ctx";
      if (/^(\+\+\+|---)( |$)/.test(line)) { kind = "diff-meta"; }
      else if (line.charAt(0) === "+") { kind = "diff-add"; }
      else if (line.charAt(0) === "-") { kind = "diff-del"; }
      else if (line.indexOf("@@") === 0) { kind = "diff-hunk"; }
      pre.appendChild(make("span", kind, line || " "));
    });
    return pre;
  }

  function renderVersions(list) {
    clear(el.versions);
    el.versionsStatus.textContent = list.length ? "" : "Noch keine Versionen.";
    const current = state.article ? state.article.version : null;
    list.forEach(function (v) {
      const li = make("li");
      li.dataset.version = String(v.version);
      const headId = "version-" + v.version + "-head";
      const head = make("p", "version-head", "Version " + v.version +
        (v.version === current ? " (aktuell)" : "") +
        " · " + (v.author || "unbekannt") + " · " + dateTimeText(v.created_at) +
        (v.status ? " · " + statusText(v.status) : ""));
      head.id = headId;
      li.appendChild(head);
      li.appendChild(make("p", "version-change", v.change || "–"));
      const actions = make("div", "actions");
      const diffId = "version-" + v.version + "-diff";
      const diff = diffBlock(v.diff, diffId);
      diff.setAttribute("aria-label", "Änderungen in Version " + v.version);
      diff.setAttribute("role", "region");
      if (v.diff) {
        const toggle = make("button", "diff-toggle", "Änderungen anzeigen");
        toggle.type = "button";
        toggle.setAttribute("aria-expanded", "false");
        toggle.setAttribute("aria-controls", diffId);
        toggle.setAttribute("aria-describedby", headId);
        toggle.addEventListener("click", function () {
          const open = diff.hidden;
          diff.hidden = !open;
          toggle.setAttribute("aria-expanded", String(open));
          toggle.textContent = open ? "Änderungen ausblenden" : "Änderungen anzeigen";
        });
        actions.appendChild(toggle);
      }
      if (v.version !== current) {
        const restoreButton = make("button", "restore", "Diese Version wiederherstellen");
        restoreButton.type = "button";
        restoreButton.disabled = state.busy;
        restoreButton.setAttribute("aria-describedby", headId);
        restoreButton.addEventListener("click", function () { restore(v.version); });
        actions.appendChild(restoreButton);
      }
      li.appendChild(actions);
      li.appendChild(diff);
      el.versions.appendChild(li);
    });
  }

  function renderAudit(events) {
    clear(el.audit);
    if (!events.length) { el.audit.appendChild(make("li", "muted", "Noch keine Ereignisse.")); }
    events.forEach(function (ev) {
      const what = ACTION_TEXT[ev.action] || ev.action || "";
      const text = dateTimeText(ev.at) + " – " + what.charAt(0).toUpperCase() + what.slice(1) +
        (isNumber(ev.version) ? " (Version " + ev.version + ")" : "") + (ev.actor ? " von " + ev.actor : "");
      el.audit.appendChild(make("li", "", text));
    });
  }

  async function restore(version) {
    if (state.busy || !state.article) { return; }
    if (isDirty() && !window.confirm("Ihre ungespeicherten Änderungen gehen verloren, wenn Sie Version " + version +
      " wiederherstellen. Möchten Sie fortfahren?")) { return; }
    const slug = state.article.slug;
    const nav = state.nav;
    clearError();
    setBusy(true);
    let a;
    try {
      a = await api("POST", articlePath(slug, "/restore"), {version: version, current_version: state.baseVersion});
    } catch (e) {
      setBusy(false);
      if (nav === state.nav) { failed(e); }
      return;
    }
    try {
      a = await api("GET", articlePath(slug));  // reload: what the server now holds
    } catch (_) { /* the restore answer is the article too */ }
    setBusy(false);
    if (nav !== state.nav) { return; }
    loadIntoEditor(a, true);
    announce("Version " + version + " wurde wiederhergestellt (jetzt Version " + a.version + ").");
    el.articleTitle.focus();
  }

  // ---------------------------------------------------------------- gap queue

  async function showGaps(focus) {
    const nav = state.nav;
    let data;
    try {
      data = await api("GET", "/api/knowledge/gaps");
    } catch (e) {
      if (nav !== state.nav) { return; }
      handleError(e);
      if (e.status !== 401 && !isNoRole(e)) { showView("gaps"); }
      return;
    }
    if (nav !== state.nav) { return; }
    state.gaps = {
      clusters: (Array.isArray(data.clusters) ? data.clusters : []).slice().sort(function (a, b) {
        return (b.size || 0) - (a.size || 0);
      }),
      total: isNumber(data.total) ? data.total : null,
      dismissed: isNumber(data.dismissed) ? data.dismissed : 0,
    };
    renderGaps();
    showView("gaps");
    if (focus) { el.gapsTitle.focus(); }
  }

  function gapsSummaryText() {
    const g = state.gaps;
    const groups = g.clusters.length;
    const total = g.total !== null ? g.total : g.clusters.reduce(function (n, c) { return n + (c.size || 0); }, 0);
    return countText(total) + (total === 1 ? " offene Frage" : " offene Fragen") + " in " + countText(groups) +
      (groups === 1 ? " Gruppe" : " Gruppen") + (g.dismissed ? "; " + countText(g.dismissed) + " verworfen." : ".");
  }

  function renderGaps() {
    clear(el.gaps);
    state.gaps.clusters.forEach(function (c, i) { el.gaps.appendChild(gapItem(c, i)); });
    el.gapsEmpty.hidden = state.gaps.clusters.length > 0;
    el.gapsSummary.textContent = gapsSummaryText();
  }

  function gapItem(c, index) {
    const questions = Array.isArray(c.questions) ? c.questions : [];
    const li = make("li", "gap");
    li.dataset.id = String(c.id);
    const titleId = "gap-" + index + "-title";
    const size = isNumber(c.size) ? c.size : questions.length;
    const h = make("h2", "", (size === 1 ? "1 Frage" : countText(size) + " Fragen") +
      (questions[0] ? ": „" + questions[0] + "“" : ""));
    h.id = titleId;
    h.tabIndex = -1;
    li.appendChild(h);
    if (c.last_at) { li.appendChild(make("p", "muted", "Zuletzt gefragt am " + dateTimeText(c.last_at))); }

    li.appendChild(make("h3", "", "Beispielfragen"));
    const ul = make("ul", "questions");
    questions.forEach(function (q) { ul.appendChild(make("li", "", q)); });
    li.appendChild(ul);

    const columns = make("div", "gap-columns");
    const reasonsBox = make("div");
    reasonsBox.appendChild(make("h3", "", "Gründe"));
    const reasons = make("ul", "reasons");
    const r = c.reasons && typeof c.reasons === "object" ? c.reasons : {};
    Object.keys(r).filter(function (k) { return isNumber(r[k]) && r[k] > 0; }).forEach(function (k) {
      reasons.appendChild(make("li", "", (REASON_TEXT[k] || k) + ": " + countText(r[k])));
    });
    if (!reasons.children.length) { reasons.appendChild(make("li", "muted", "keine Angabe")); }
    reasonsBox.appendChild(reasons);
    columns.appendChild(reasonsBox);

    const weeks = Array.isArray(c.weeks) ? c.weeks : [];
    if (weeks.length) {
      const table = make("table", "weeks");
      table.appendChild(make("caption", "", "Fragen je Kalenderwoche"));
      const thead = make("thead");
      const headRow = make("tr");
      const wh = make("th", "", "Woche");
      wh.scope = "col";
      const ch = make("th", "num", "Anzahl");
      ch.scope = "col";
      headRow.appendChild(wh);
      headRow.appendChild(ch);
      thead.appendChild(headRow);
      table.appendChild(thead);
      const tbody = make("tbody");
      weeks.forEach(function (w) {
        const tr = make("tr");
        const th = make("th", "", weekText(w && w.week));
        th.scope = "row";
        tr.appendChild(th);
        tr.appendChild(make("td", "num", countText(w && w.count)));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      columns.appendChild(table);
    }
    li.appendChild(columns);

    const actions = make("div", "actions");
    const draft = make("button", "primary", "Artikel entwerfen");
    draft.type = "button";
    draft.setAttribute("aria-describedby", titleId);
    draft.addEventListener("click", function () {
      state.prefill = draftFromCluster(c);
      go("#/new");
    });
    const dismiss = make("button", "", "Verwerfen");
    dismiss.type = "button";
    dismiss.setAttribute("aria-describedby", titleId);
    dismiss.addEventListener("click", function () { dismissCluster(c, li, dismiss); });
    actions.appendChild(draft);
    actions.appendChild(dismiss);
    li.appendChild(actions);
    return li;
  }

  function draftFromCluster(c) {
    const questions = (Array.isArray(c.questions) ? c.questions : []).map(function (q) { return String(q).trim(); })
      .filter(Boolean);
    return {
      title: questions[0] || "",
      questions: questions.slice(0, 6),
      notes: "Fragen aus der Lückenliste:\n" + questions.map(function (q) { return "- " + q; }).join("\n"),
      body: BODY_TEMPLATE,
    };
  }

  async function dismissCluster(c, li, button) {
    button.disabled = true;
    clearError();
    let data;
    try {
      data = await api("POST", "/api/knowledge/gaps/dismiss", {gap_ids: Array.isArray(c.gap_ids) ? c.gap_ids : []});
    } catch (e) {
      button.disabled = false;
      handleError(e);
      return;
    }
    const g = state.gaps;
    const index = g.clusters.indexOf(c);
    if (index !== -1) { g.clusters.splice(index, 1); }
    const n = isNumber(data.dismissed) ? data.dismissed : (c.size || 0);
    g.dismissed += n;
    if (g.total !== null) { g.total = Math.max(0, g.total - (c.size || n)); }
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    el.gapsEmpty.hidden = g.clusters.length > 0;
    el.gapsSummary.textContent = gapsSummaryText();
    announce("Die Gruppe wurde verworfen (" + (n === 1 ? "1 Frage" : countText(n) + " Fragen") + ").");
    const heading = next ? next.querySelector("h2") : null;
    (heading || el.gapsTitle).focus();
  }

  // ---------------------------------------------------------------- start

  async function boot() {
    if (!window.location.hash) { history.replaceState(null, "", window.location.pathname + "#/list"); }
    let data;
    try {
      data = await api("GET", "/api/auth/me");
    } catch (e) {
      if (e && e.status && e.status !== 401) {
        showLogin("");
        showError(e.message);
        return;
      }
      showLogin(e && e.status === 0 ? TEXT.offline : "");
      return;
    }
    await enter(data, false);
  }

  boot();
})();
