// Knowledge editor: article list, one article's form with live preview, test panel and history, the gap queue.
// Everything from the server is rendered with textContent, never as HTML; the one exception is the preview
// (preview.js), whose HTML the server renders and sanitises.

import {t} from "../staff/i18n.js";
import {createShell} from "../staff/shell.js";
import {showGaps, wireGaps} from "./gaps.js";
import {isDirty, newArticle, openArticle, rawFields, wireForm} from "./form.js";
import {wireHistory} from "./history.js";
import {showList, wireList} from "./list.js";
import {save, wireSave} from "./save.js";
import {el, state} from "./state.js";
import {wireTest} from "./test.js";

const APP_VIEWS = ["list", "article", "gaps"];

const shell = createShell({
  role: "editor",
  roleLabel: "editor",
  why: "ui.editor.no_role",
  checkRole: true,
  views: {list: el.listView, article: el.articleView, gaps: el.gapsView},
  expiredKey: "ui.editor.expired",
  enter: function (_data, focus) {
    state.ownersLoaded = false;
    return route(focus);
  },
  leave: function () { state.nav += 1; },
  onExpired: function () {
    if (shell.view === "article" && isDirty()) {
      state.stash = {hash: window.location.hash, fields: rawFields(), baseVersion: state.baseVersion};
    }
  },
  beforeLogout: function () { return !(shell.view === "article" && isDirty() && !window.confirm(t("ui.editor.leave"))); },
  afterLogout: function () {
    state.stash = null;
    state.snapshot = JSON.stringify(rawFields());  // nothing left to warn about
    history.replaceState(null, "", window.location.pathname + "#/list");
  },
});
state.shell = shell;

// The editor's views also show the navigation and name themselves in the title.
const showView = shell.showView;
shell.showView = function (name) {
  showView(name);
  const app = APP_VIEWS.indexOf(name) !== -1;
  el.nav.hidden = !app;
  el.navList.removeAttribute("aria-current");
  el.navGaps.removeAttribute("aria-current");
  if (name === "list") { el.navList.setAttribute("aria-current", "page"); }
  if (name === "gaps") { el.navGaps.setAttribute("aria-current", "page"); }
  if (app) { document.title = t("ui.editor.view." + name) + " – " + t("ui.editor.title_suffix"); }
  if (name === "login") { document.title = t("ui.editor.view.login") + " – " + t("ui.editor.title_suffix"); }
  if (name === "no-role") { document.title = t("ui.editor.view.no_role") + " – " + t("ui.editor.title_suffix"); }
};

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

function route(focus) {
  state.nav += 1;
  state.lastHash = window.location.hash;
  shell.clearError();
  const r = parseHash();
  if (r.name === "article") { return openArticle(r.slug, focus, route); }
  if (r.name === "new") { return newArticle(focus); }
  if (r.name === "gaps") { return showGaps(focus); }
  return showList(focus);
}

window.addEventListener("hashchange", function () {
  if (!shell.user || shell.view === "login" || shell.view === "no-role") { return; }
  if (shell.view === "article" && isDirty() && !window.confirm(t("ui.editor.leave"))) {
    history.replaceState(null, "", state.lastHash || "#/list");  // stay; replaceState fires no hashchange
    return;
  }
  route(true);
});

window.addEventListener("beforeunload", function (ev) {
  if (shell.view === "article" && isDirty()) {
    ev.preventDefault();
    ev.returnValue = "";
  }
});

wireList();
wireGaps();
wireForm(save);
wireSave();
wireTest();
wireHistory();
shell.boot(function () {
  if (!window.location.hash) { history.replaceState(null, "", window.location.pathname + "#/list"); }
});
