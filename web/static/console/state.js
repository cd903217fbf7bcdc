// The console's elements and state, shared by its modules.

import {$} from "../staff/dom.js";

export const ACTIVE = ["waiting", "claimed"];

export const el = {
  announcer: $("announcer"), connection: $("connection"), workspace: $("workspace"),
  tabQueue: $("tab-queue"), tabTickets: $("tab-tickets"), tabCanned: $("tab-canned"),
  tabIncidents: $("tab-incidents"),
  queuePanel: $("queue-panel"), ticketsPanel: $("tickets-panel"), cannedPanel: $("canned-panel"),
  incidentsPanel: $("incidents-panel"),
  queue: $("queue"), queueEmpty: $("queue-empty"),
  alertDesktop: $("alert-desktop"), alertSound: $("alert-sound"), alertsStatus: $("alerts-status"),
  queueCount: $("queue-count"), ticketsBody: $("tickets-body"), ticketsEmpty: $("tickets-empty"),
  ticketsReload: $("tickets-reload"),
  detailTitle: $("detail-title"), detailPlaceholder: $("detail-placeholder"), detailBody: $("detail-body"),
  detailStatus: $("detail-status"), detailMeta: $("detail-meta"),
  claim: $("claim"), resolve: $("resolve"), handback: $("handback"), toTicket: $("to-ticket"),
  ticketNumber: $("ticket-number"),
  ctxSummary: $("ctx-summary"), ctxFacts: $("ctx-facts"), ctxArticles: $("ctx-articles"),
  ctxActionsBox: $("ctx-actions-box"), ctxActionsTitle: $("ctx-actions-title"), ctxActions: $("ctx-actions"),
  ctxIntents: document.querySelector("#ctx-intents tbody"), ctxIntentsCount: $("ctx-intents-count"),
  notesList: $("notes-list"), notesEmpty: $("notes-empty"), noteForm: $("note-form"), noteText: $("note-text"),
  noteAdd: $("note-add"),
  cannedPicker: $("canned-picker"), cannedQuery: $("canned-query"), cannedOptions: $("canned-options"),
  cannedStatus: $("canned-status"),
  cannedNew: $("canned-new"), cannedEdit: $("canned-edit"), cannedEditTitle: $("canned-edit-title"),
  cannedTitle: $("canned-title"), cannedBody: $("canned-body"), cannedError: $("canned-error"),
  cannedCancel: $("canned-cancel"), cannedLibrary: $("canned-library"), cannedLibraryEmpty: $("canned-library-empty"),
  transcript: $("transcript"), messages: $("messages"), messagesEmpty: $("messages-empty"),
  replyForm: $("reply-form"), reply: $("reply"), replyHint: $("reply-hint"), send: $("send"),
  insertArticle: $("insert-article"),
  kbSearch: $("kb-search"), kbForm: $("kb-form"), kbQuery: $("kb-query"), kbStatus: $("kb-status"),
  kbHits: $("kb-hits"),
};

export const state = {
  shell: null,         // the page frame (login, errors), set by main.js
  session: 0,          // bumps on login/logout: stale loops and responses see a different number and stop
  sessionAbort: null,  // aborts the queue long-poll on logout
  revision: 0,
  queue: [],
  queueFetchedAt: 0,
  claimWarnSeconds: 0, // the server's SERVICEDESK_CLAIM_WARN_MINUTES, in seconds (0: no warning)
  knownIds: null,      // ids seen in the queue; null until the first load (nothing to announce then)
  selectedId: null,
  record: null,
  recordFetchedAt: 0,
  recordSeq: 0,        // numbers the record requests; a step's answer (claim, resolve ...) takes one too
  recordShown: 0,      // the number of the record on screen: older answers are dropped
  lastMessageId: 0,
  watch: 0,            // bumps whenever the open escalation changes: stops the old message long-poll
  watchAbort: null,
  polling: null,       // id whose messages are being long-polled
  claimedByMe: new Set(),
  busy: false,         // a claim/resolve/handback/ticket call is on its way
  sending: false,      // a reply is on its way
  search: {seq: 0, running: null, shownFor: null},  // the article search: newest ticket, its words, words shown
};

// A new escalation (or none): an article search still on its way must not fill the new one's list.
export function forgetSearch() {
  state.search.seq += 1;
  state.search.running = null;
  state.search.shownFor = null;
}
