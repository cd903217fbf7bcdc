// The article list: filters with full-text search (best match first, the matching line with its words marked),
// figures (shown, helpful / not helpful) and flags; owners for the filter and form.

import {api} from "../staff/api.js";
import {badge, clear, isNumber, make} from "../staff/dom.js";
import {countText, germanDay, percentText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {statusText} from "./form.js";
import {el, state, wireFilters} from "./state.js";

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

export async function ensureOwners() {
  if (state.ownersLoaded) { return; }
  try {
    const data = await api("GET", "/api/articles");
    setOwners(data.owners);
  } catch (_) { /* only suggestions */ }
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

export async function showList(focus) {
  const nav = state.nav;
  const request = ++state.listRequest;
  let data;
  try {
    data = await api("GET", "/api/articles" + listQuery());
  } catch (e) {
    if (nav !== state.nav || request !== state.listRequest) { return; }
    state.shell.handleError(e);
    if (e.status !== 401 && !state.shell.isNoRole(e)) { state.shell.showView("list"); }
    return;
  }
  if (nav !== state.nav || request !== state.listRequest) { return; }
  setOwners(data.owners);
  renderList(Array.isArray(data.articles) ? data.articles : []);
  const wasList = state.shell.view === "list";
  state.shell.showView("list");
  if (focus && !wasList) { el.listTitle.focus(); }
}

function ratioText(stats) {
  const up = stats && isNumber(stats.helpful) ? stats.helpful : 0;
  const down = stats && isNumber(stats.not_helpful) ? stats.not_helpful : 0;
  if (!up && !down) { return "–"; }
  const ratio = stats && isNumber(stats.helpful_ratio) ? stats.helpful_ratio : up / (up + down);
  return countText(up) + " / " + countText(down) + " (" + percentText(ratio) + ")";
}

function flagBadges(flags) {
  const cell = make("td", "flags");
  const words = section("ui.editor.flag");
  (Array.isArray(flags) ? flags : []).forEach(function (f) { cell.appendChild(badge(words[f] || f, "flag")); });
  return cell;
}

// Where the search matched and one line of the article with the words marked (text nodes and <mark>, never HTML).
function matchBox(match) {
  const box = make("div", "match");
  const words = section("ui.editor.match_field");
  const fields = (Array.isArray(match.fields) ? match.fields : []).map(function (f) { return words[f] || f; });
  box.appendChild(make("span", "match-fields", t("ui.editor.found_in", {fields: fields.join(", ")})));
  const line = make("span", "snippet");
  const text = typeof match.snippet === "string" ? match.snippet : "";
  let at = 0;
  (Array.isArray(match.marks) ? match.marks : []).forEach(function (m) {
    const start = Number(m && m[0]);
    const end = Number(m && m[1]);
    if (!(start >= at && end > start && end <= text.length)) { return; }
    line.appendChild(document.createTextNode(text.slice(at, start)));
    line.appendChild(make("mark", "", text.slice(start, end)));
    at = end;
  });
  line.appendChild(document.createTextNode(text.slice(at)));
  box.appendChild(line);
  return box;
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
    if (a.match && typeof a.match === "object") { titleCell.appendChild(matchBox(a.match)); }
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
  el.listCount.textContent = articles.length === 1 ? t("ui.editor.count_one") : t("ui.editor.count", {count: countText(articles.length)});
  if (el.filterQ.value.trim() && articles.length) { el.listCount.textContent += " " + t("ui.editor.best_first"); }
}

export function wireList() {
  wireFilters(el.filterForm, [el.filterStatus, el.filterOwner, el.filterOverdue], el.filterQ, "list", showList);
  el.newArticle.addEventListener("click", function () {
    if (window.location.hash === "#/new") { window.dispatchEvent(new HashChangeEvent("hashchange")); }
    else { window.location.hash = "#/new"; }
  });
}
