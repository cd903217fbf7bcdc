// One escalation: the context card, the transcript, the live conversation (long-polled) and which buttons apply.

import {api, isAbort} from "../staff/api.js";
import {clear, emptyRow, link, make, sleep} from "../staff/dom.js";
import {dateTimeText, timeText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {linkedText} from "../staff/linkify.js";
import {renderAutomation} from "./automation.js";
import {closePicker} from "./canned.js";
import {renderNotes} from "./notes.js";
import {screenshotLink, renderScreenshots} from "./screenshots.js";
import {ACTIVE, el, forgetSearch, state} from "./state.js";
import {announce, claimAgeText, languageText, statusText, waitText} from "./words.js";

export function resetDetail() {
  el.detailTitle.textContent = t("ui.console.request");
  el.detailPlaceholder.hidden = false;
  el.detailBody.hidden = true;
  clear(el.messages);
  clear(el.transcript);
  clear(el.kbHits);
  forgetSearch();
  el.kbStatus.textContent = "";
  el.reply.value = "";
  el.ticketNumber.textContent = "";
  el.noteText.value = "";
  renderNotes([]);
  closeSearch();
  closePicker(false);
}

export function closeSearch() {
  el.kbSearch.hidden = true;
  el.insertArticle.setAttribute("aria-expanded", "false");
}

export async function openEscalation(id, focus) {
  if (state.selectedId !== id) {
    stopWatching();
    state.selectedId = id;
    state.record = null;
    state.lastMessageId = 0;
    clear(el.messages);
    el.messagesEmpty.hidden = false;
    clear(el.kbHits);
    forgetSearch();
    el.kbStatus.textContent = "";
    el.reply.value = "";
    el.noteText.value = "";
    closePicker(false);
  }
  el.queue.querySelectorAll("[data-id]").forEach(function (b) {
    if (b.dataset.id === String(id)) { b.setAttribute("aria-current", "true"); } else { b.removeAttribute("aria-current"); }
  });
  history.replaceState(null, "", "#anfrage-" + id);
  state.shell.clearError();
  try {
    await loadRecord(id, true);
  } catch (e) {
    state.shell.handleError(e);
    return;
  }
  if (focus && state.selectedId === id) { el.detailTitle.focus(); }
}

// Answers can arrive out of order: a refresh that started before the agent's claim may answer after it. An answer
// to a request older than the record shown is dropped; else the claimed record would flip back to "waiting" (reply
// box disabled, article search closed: a click on an article hit inserted nothing).
export async function loadRecord(id, initial) {
  const session = state.session;
  const ticket = ++state.recordSeq;
  const record = await api("GET", "/api/escalations/" + encodeURIComponent(id));
  if (session !== state.session || state.selectedId !== id || ticket < state.recordShown) { return; }
  showRecord(record, initial, ticket);
}

function isMine(record) {
  if (record.status !== "claimed") { return false; }
  if (state.claimedByMe.has(record.id)) { return true; }
  const me = state.shell.user || {};
  return !!record.agent_name && (record.agent_name === me.display_name || record.agent_name === me.username);
}

export function showRecord(record, initial, ticket) {
  state.recordShown = ticket === undefined ? ++state.recordSeq : ticket;
  state.record = record;
  state.recordFetchedAt = Date.now();
  el.detailPlaceholder.hidden = true;
  el.detailBody.hidden = false;
  el.detailTitle.textContent = t("ui.console.request_number", {id: record.id});
  renderMeta(record);
  renderActions(record);
  renderContext(record);
  renderTranscript(record.transcript);
  renderNotes(record.notes);
  renderScreenshots(record);
  addMessages(record.messages, !initial);
  if (typeof record.last_message_id === "number" && record.last_message_id > state.lastMessageId) {
    state.lastMessageId = record.last_message_id;
  }
  if (ACTIVE.indexOf(record.status) !== -1) { watchMessages(record.id); } else { stopWatching(); }
}

export function renderMeta(record) {
  el.detailStatus.textContent = statusText(record.status, record.agent_name);
  el.detailStatus.className = "badge badge-" + (record.status || "");
  const parts = [];
  if (record.status === "waiting") {
    const elapsed = (Date.now() - state.recordFetchedAt) / 1000;
    parts.push(t("ui.console.waiting_for", {time: waitText((record.waiting_seconds || 0) + elapsed)}));
  } else if (record.created_at) {
    parts.push(t("ui.console.received", {time: dateTimeText(record.created_at)}));
  }
  if (record.claimed_at) { parts.push(t("ui.console.claimed_at", {time: timeText(record.claimed_at)})); }
  if (record.status === "claimed" && typeof record.claimed_seconds === "number" && state.claimWarnSeconds > 0) {
    const held = record.claimed_seconds + (Date.now() - state.recordFetchedAt) / 1000;
    if (held >= state.claimWarnSeconds) { parts.push(claimAgeText(held)); }
  }
  if (record.closed_at) { parts.push(t("ui.console.closed_at", {time: dateTimeText(record.closed_at)})); }
  el.detailMeta.textContent = parts.join(" · ");
}

export function renderActions(record) {
  const active = ACTIVE.indexOf(record.status) !== -1;
  const mine = isMine(record);
  el.claim.hidden = record.status !== "waiting";
  el.claim.disabled = state.busy;
  el.resolve.disabled = state.busy || !mine;
  el.handback.disabled = state.busy || !mine;
  el.toTicket.disabled = state.busy || !active || (record.status === "claimed" && !mine) || !!record.ticket_number;
  el.reply.disabled = !mine;
  el.send.disabled = state.busy || state.sending || !mine;
  el.insertArticle.disabled = !mine;
  if (!mine) {
    closeSearch();
    closePicker(false);
  }
  el.ticketNumber.textContent = record.ticket_number ? t("ui.console.ticket_number", {number: record.ticket_number}) : "";
  let hint = t("ui.console.hint_send");
  if (record.status === "waiting") {
    hint = t("ui.console.hint_claim");
  } else if (record.status === "claimed" && !mine) {
    hint = t("ui.console.hint_other", {name: record.agent_name || t("ui.console.hint_other_person")});
  } else if (record.status === "withdrawn") {
    hint = t("ui.console.hint_withdrawn");
  } else if (!active) {
    hint = t("ui.console.hint_closed");
  }
  el.replyHint.textContent = hint;
}

function fact(dl, label, value) {
  dl.appendChild(make("dt", "", label));
  dl.appendChild(make("dd", value ? "" : "muted", value || t("ui.console.not_given")));
}

/** "#3 E-Mail-Versand gestört – betroffen: 2 weitere Personen" (the linked major incident). */
function incidentText(incident) {
  const values = {id: incident.id, title: incident.title, others: incident.others};
  if (!incident.others) { return "#" + incident.id + " " + incident.title; }
  return t(incident.others === 1 ? "ui.console.incident_affected_one" : "ui.console.incident_affected", values);
}

function renderContext(record) {
  clear(el.ctxSummary);
  (Array.isArray(record.summary) ? record.summary : []).forEach(function (line) {
    el.ctxSummary.appendChild(make("li", "", line));
  });

  clear(el.ctxFacts);
  fact(el.ctxFacts, t("ui.console.reason"), record.reason_label || record.reason);
  fact(el.ctxFacts, t("ui.console.language"), languageText(record.language));
  const details = record.details || {};
  const labels = section("escalation.detail");
  Object.keys(labels).forEach(function (key) { fact(el.ctxFacts, labels[key], details[key]); });
  if (record.ticket_number) { fact(el.ctxFacts, t("ui.console.ticket"), record.ticket_number); }
  if (record.incident) { fact(el.ctxFacts, t("ui.console.incident"), incidentText(record.incident)); }

  clear(el.ctxArticles);
  const articles = Array.isArray(record.articles) ? record.articles : [];
  if (!articles.length) { el.ctxArticles.appendChild(make("li", "muted", t("ui.console.none"))); }
  articles.forEach(function (a) {
    const li = make("li");
    li.appendChild(link(a.url, a.title || a.slug || ""));
    li.appendChild(document.createTextNode(" – "));
    li.appendChild(make("span", "verdict verdict-" + (a.verdict || ""), a.verdict_label || a.verdict || ""));
    el.ctxArticles.appendChild(li);
  });

  renderAutomation(record);

  clear(el.ctxIntents);
  const intents = Array.isArray(record.intents) ? record.intents : [];
  el.ctxIntentsCount.textContent = "(" + intents.length + ")";
  if (!intents.length) { el.ctxIntents.appendChild(emptyRow(t("ui.console.none"), 3)); }
  intents.forEach(function (i) {
    const tr = make("tr");
    tr.appendChild(make("td", "", i.text || ""));
    tr.appendChild(make("td", "mono", i.intent || "–"));
    const confidence = typeof i.confidence === "number"
      ? Math.round(i.confidence * 100).toLocaleString("de-DE") + " %" : "–";
    tr.appendChild(make("td", "num", confidence));
    el.ctxIntents.appendChild(tr);
  });
}

function messageItem(role, text, when, who) {
  const roles = section("ui.role");
  const li = make("li", "msg " + (roles[role] ? role : "system"));
  const head = make("span", "msg-head");
  head.appendChild(make("span", "who", who || roles[role] || role));
  const at = timeText(when);
  if (at) { head.appendChild(make("span", "when", at)); }
  li.appendChild(head);
  li.appendChild(linkedText("span", "msg-text", text || ""));
  return li;
}

function renderTranscript(items) {
  clear(el.transcript);
  const list = Array.isArray(items) ? items : [];
  if (!list.length) { el.transcript.appendChild(make("li", "muted", t("ui.console.no_transcript"))); }
  list.forEach(function (m) { el.transcript.appendChild(messageItem(m.role, m.text, m.ts)); });
}

function messageNode(m) {
  const data = m.data && typeof m.data === "object" ? m.data : {};
  const agent = [data.agent, data.agent_name].filter(function (v) { return typeof v === "string" && v; })[0] || "";
  const who = m.role === "agent" && agent ? t("ui.console.agent_named", {name: agent}) : "";
  const li = messageItem(m.role, m.text, m.created_at, who);
  li.dataset.id = String(m.id);
  if (data.article && data.article.url) {
    const p = make("span", "msg-extra");
    p.appendChild(link(data.article.url, data.article.title || data.article.url));
    li.appendChild(p);
  }
  if (data.attachment !== undefined && state.record) { li.appendChild(screenshotLink(state.record.id, data.attachment)); }
  if (Array.isArray(data.buttons) && data.buttons.length) {
    const titles = data.buttons.map(function (b) { return b && b.title ? String(b.title) : ""; }).filter(Boolean);
    li.appendChild(make("span", "msg-extra muted", t("ui.console.choice", {titles: titles.join(" | ")})));
  }
  return li;
}

// Merge messages by id (the record and the long-poll may both deliver one); announce the employee's.
export function addMessages(list, announceNew) {
  if (!Array.isArray(list)) { return; }
  let added = false;
  list.forEach(function (m) {
    if (!m || m.id === undefined || m.id === null) { return; }
    const id = Number(m.id);
    if (el.messages.querySelector('[data-id="' + CSS.escape(String(id)) + '"]')) { return; }
    const node = messageNode(m);
    let before = null;
    for (const child of el.messages.children) {
      if (Number(child.dataset.id) > id) { before = child; break; }
    }
    el.messages.insertBefore(node, before);
    if (id > state.lastMessageId) { state.lastMessageId = id; }
    added = true;
    if (announceNew && m.role === "user") { announce(t("ui.console.new_message", {text: m.text || ""})); }
  });
  el.messagesEmpty.hidden = el.messages.children.length > 0;
  if (added) { el.messages.scrollTop = el.messages.scrollHeight; }
}

export function stopWatching() {
  state.watch += 1;
  if (state.watchAbort) { state.watchAbort.abort(); }
  state.watchAbort = null;
  state.polling = null;
}

function watchMessages(id) {
  if (state.polling === id) { return; }
  stopWatching();
  state.polling = id;
  state.watchAbort = new AbortController();
  pollMessages(id, state.watch, state.watchAbort.signal);
}

async function pollMessages(id, watch, signal) {
  let delay = 1000;
  while (watch === state.watch) {
    const started = Date.now();
    try {
      const data = await api("GET", "/api/escalations/" + encodeURIComponent(id) + "/messages?after=" +
        encodeURIComponent(state.lastMessageId), undefined, signal);
      if (watch !== state.watch) { return; }
      delay = 1000;
      const list = Array.isArray(data.messages) ? data.messages : [];
      addMessages(list, true);
      if (!list.length && Date.now() - started < 1000) { await sleep(1000); }
    } catch (e) {
      if (watch !== state.watch || isAbort(e)) { return; }
      if (e.status === 401) { state.shell.sessionExpired(); return; }
      if (e.status === 403 || e.status === 404) { return; }
      await sleep(delay);
      delay = Math.min(delay * 2, 30000);
    }
  }
}
