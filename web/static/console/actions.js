// What an agent does with the open escalation: claim, resolve, hand back, ticket, reply (with article links).

import {api} from "../staff/api.js";
import {clear, make, ownUrl} from "../staff/dom.js";
import {t} from "../staff/i18n.js";
import {addMessages, closeSearch, loadRecord, renderActions, showRecord} from "./detail.js";
import {el, state} from "./state.js";
import {announce} from "./words.js";

async function act(path, button, done, reloadQueue) {
  const record = state.record;
  if (!record || state.busy) { return; }
  const id = record.id;
  state.busy = true;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  state.shell.clearError();
  try {
    const result = await api("POST", "/api/escalations/" + encodeURIComponent(id) + "/" + path, {});
    state.busy = false;
    if (state.selectedId !== id) { return; }
    if (done) { done(result); }
    if (result && result.id === id) { showRecord(result, false); } else { await loadRecord(id, false); }
    reloadQueue();
  } catch (e) {
    state.busy = false;
    state.shell.handleError(e);
    if (state.selectedId !== id) { return; }
    if (e.body && e.body.id === id) {
      showRecord(e.body, false);  // e.g. 502 from the ticket system still carries the record
    } else if (e.status === 409 || e.status === 403) {
      loadRecord(id, false).catch(state.shell.handleError);  // someone else may have been faster: the current state
    }
  } finally {
    state.busy = false;
    button.removeAttribute("aria-busy");
    if (state.record && state.selectedId === id) { renderActions(state.record); }
  }
}

async function sendReply() {
  const record = state.record;
  if (!record || el.send.disabled) { return; }
  const text = el.reply.value.trim();
  if (!text) {
    state.shell.showError(t("ui.console.empty_reply"));
    el.reply.focus();
    return;
  }
  const id = record.id;
  state.sending = true;
  el.send.disabled = true;
  state.shell.clearError();
  try {
    const data = await api("POST", "/api/escalations/" + encodeURIComponent(id) + "/messages", {text: text});
    if (state.selectedId === id) {
      if (el.reply.value.trim() === text) { el.reply.value = ""; }
      if (data && data.message) { addMessages([data.message], false); }
    }
  } catch (e) {
    state.shell.handleError(e);
    if ((e.status === 409 || e.status === 403) && state.selectedId === id) {
      loadRecord(id, false).catch(state.shell.handleError);
    }
  } finally {
    state.sending = false;
    if (state.record && state.selectedId === id) { renderActions(state.record); }
    if (!el.reply.disabled) { el.reply.focus(); }
  }
}

function insertUrl(url, title) {
  const box = el.reply;
  if (box.disabled) { return; }
  const start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
  const end = typeof box.selectionEnd === "number" ? box.selectionEnd : box.value.length;
  const before = box.value.slice(0, start);
  const lead = before && !/\s$/.test(before) ? " " : "";
  box.setRangeText(lead + url + " ", start, end, "end");
  closeSearch();
  box.focus();
  announce(t("ui.console.inserted", {title: title}));
}

function hitButton(h) {
  const li = make("li");
  const btn = make("button", "hit");
  btn.type = "button";
  btn.dataset.url = ownUrl(h.url);
  btn.appendChild(make("span", "hit-title", h.title || h.slug || h.url));
  if (h.snippet) { btn.appendChild(make("span", "hit-snippet", h.snippet)); }
  btn.addEventListener("click", function () { insertUrl(btn.dataset.url, h.title || ""); });
  li.appendChild(btn);
  return li;
}

// The hits are rebuilt only when they differ from those shown: a list rebuilt between the agent's mouse-down and
// mouse-up swallows the click (nothing is inserted).
function showHits(hits) {
  const shown = Array.prototype.map.call(el.kbHits.querySelectorAll("button.hit"), function (b) { return b.dataset.url; });
  const urls = hits.map(function (h) { return ownUrl(h.url); });
  if (shown.join("\n") === urls.join("\n")) { return; }
  clear(el.kbHits);
  hits.forEach(function (h) { el.kbHits.appendChild(hitButton(h)); });
}

async function searchArticles(ev) {
  ev.preventDefault();
  const q = el.kbQuery.value.trim();
  if (!q) {
    clear(el.kbHits);
    el.kbStatus.textContent = t("ui.console.search_missing");
    return;
  }
  // The first search of a fresh process takes seconds: a second Enter for the same words waits for that answer
  // instead of racing it. Only the newest search may fill the list (an older one answering late is dropped).
  if (state.search.running === q) { return; }
  const ticket = ++state.search.seq;
  state.search.running = q;
  if (state.search.shownFor !== q) { clear(el.kbHits); }
  el.kbStatus.textContent = t("ui.console.searching");
  try {
    const data = await api("GET", "/api/knowledge/search?k=5&q=" + encodeURIComponent(q));
    if (ticket !== state.search.seq) { return; }
    const hits = Array.isArray(data.hits) ? data.hits.filter(function (h) { return ownUrl(h.url); }) : [];
    el.kbStatus.textContent = hits.length ? t("ui.console.hits", {count: hits.length}) : t("ui.console.no_hits");
    showHits(hits);
    state.search.shownFor = q;
  } catch (e) {
    if (ticket !== state.search.seq) { return; }
    el.kbStatus.textContent = "";
    state.shell.handleError(e);
  } finally {
    if (ticket === state.search.seq) { state.search.running = null; }
  }
}

export function wireActions(reloadQueue) {
  el.claim.addEventListener("click", function () {
    act("claim", el.claim, function (r) {
      state.claimedByMe.add(r && r.id !== undefined ? r.id : state.selectedId);
      announce(t("ui.console.claimed"));
      setTimeout(function () { if (!el.reply.disabled) { el.reply.focus(); } }, 0);
    }, reloadQueue);
  });
  el.resolve.addEventListener("click", function () {
    act("resolve", el.resolve, function () { announce(t("ui.console.resolved")); }, reloadQueue);
  });
  el.handback.addEventListener("click", function () {
    act("handback", el.handback, function () { announce(t("ui.console.handed_back")); }, reloadQueue);
  });
  el.toTicket.addEventListener("click", function () {
    act("ticket", el.toTicket, function (r) {
      if (r && r.ticket_number) { announce(t("ui.console.ticket_created", {number: r.ticket_number})); }
    }, reloadQueue);
  });
  el.replyForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sendReply();
  });
  el.reply.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      sendReply();
    }
  });
  el.insertArticle.addEventListener("click", function () {
    const open = el.kbSearch.hidden;
    el.kbSearch.hidden = !open;
    el.insertArticle.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!el.kbQuery.value && state.record && state.record.details) {
        el.kbQuery.value = state.record.details.description || "";
      }
      el.kbQuery.focus();
    }
  });
  el.kbSearch.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      closeSearch();
      el.insertArticle.focus();
    }
  });
  el.kbForm.addEventListener("submit", searchArticles);
}
