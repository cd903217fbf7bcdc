// The chat's messages as DOM: text bubbles (addresses, e-mail and phone numbers as links), article cards (links
// only to our own /kb/ pages), choice buttons and the five-button closing question. Everything from the server is
// set with textContent, never as HTML.

import {clear, make} from "../staff/dom.js";
import {linkedText} from "../staff/linkify.js";
import {c} from "./context.js";

export {clear, make};  // the one way to build DOM from data (textContent), shared with the staff pages

// Only links to our own article pages: same origin as the web service, path under /kb/.
export function articleUrl(value) {
  if (typeof value !== "string" || !value) { return null; }
  try {
    const base = new URL(c.base + "/");
    const url = new URL(value, base);
    const prefix = base.pathname.replace(/\/$/, "") + "/kb/";
    const ours = url.origin === base.origin && url.pathname.indexOf(prefix) === 0;
    return ours && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
  } catch (_) {
    return null;
  }
}

export function clock(value) {
  const date = value ? new Date(value) : new Date();
  const when = isNaN(date.getTime()) ? new Date() : date;
  const pad = function (n) { return String(n).padStart(2, "0"); };
  return {iso: when.toISOString(), text: pad(when.getHours()) + ":" + pad(when.getMinutes())};
}

// "😄 5 – sehr zufrieden" -> symbol "😄" (decorative) and label "5 – sehr zufrieden".
function splitSymbol(title) {
  const match = /^(\S+)\s+(.+)$/u.exec(title);
  if (match && !/[\p{L}\p{N}]/u.test(match[1])) { return {symbol: match[1], label: match[2]}; }
  return {symbol: "", label: title};
}

function csatScore(payload) {
  const match = /"csat_score"\s*:\s*"?([1-5])"?/.exec(payload || "");
  return match ? match[1] : "";
}

export function messageNode(role, text, data, createdAt) {
  const node = make("div", "msg msg-" + role);
  node.setAttribute("data-role", role);
  const meta = make("p", "meta");
  let who = role === "user" ? c.t("you") : c.t(role);
  if (role === "agent" && typeof data.agent === "string" && data.agent) { who = data.agent + " · " + c.t("agent"); }
  meta.appendChild(make("span", "who", who));
  meta.appendChild(document.createTextNode(" "));
  const time = clock(createdAt);
  const stamp = make("time", "time", time.text);
  stamp.dateTime = time.iso;
  meta.appendChild(stamp);
  node.appendChild(meta);

  const bubble = make("div", "bubble");
  const article = data.article && typeof data.article === "object" && typeof data.article.title === "string" &&
    data.article.title ? data.article : null;
  const shown = article && role === "bot" ? withoutUrlLine(text, article.url) : text;
  if (shown) { bubble.appendChild(linkedText("p", "text", shown)); }
  if (article) { bubble.appendChild(articleCard(article)); }
  node.appendChild(bubble);
  if (Array.isArray(data.buttons) && data.buttons.length) {
    node.appendChild(data.csat === true ? csatRow(data.buttons) : choiceRow(data.buttons));
  }
  return node;
}

// The bot's answer ends with a line "Vollständige Anleitung: <url>" for other channels; here the card links it, so
// that line goes. Only a line that is a label and the address: a sentence around the address stays (an agent's
// words are never cut, see messageNode).
function withoutUrlLine(text, url) {
  if (!articleUrl(url)) { return text; }
  return text.split("\n").filter(function (line) {
    const at = line.indexOf(url);
    return at < 0 || line.slice(at + url.length).trim() !== "" || /[.!?]/.test(line.slice(0, at));
  }).join("\n").trim();
}

function articleCard(article) {
  const card = make("div", "card");
  card.appendChild(make("p", "card-kind", c.t("article")));
  const href = articleUrl(article.url);
  const title = make("span", "card-title", article.title);
  if (href) {
    const a = make("a", "card-link");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(title);
    a.appendChild(make("span", "vh", " " + c.t("new_tab")));
    if (typeof article.slug === "string") { a.setAttribute("data-slug", article.slug); }
    card.appendChild(a);
  } else {
    card.appendChild(title);  // not one of our articles: the title as text, no link
  }
  return card;
}

function validButtons(buttons) {
  return buttons.filter(function (b) {
    return b && typeof b.title === "string" && b.title && typeof b.payload === "string" && b.payload;
  });
}

function choiceRow(buttons) {
  const row = make("div", "choices");
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", c.t("choices"));
  validButtons(buttons).forEach(function (b) {
    const button = make("button", "choice", b.title);
    button.type = "button";
    button.setAttribute("data-title", b.title);
    button.addEventListener("click", function () { c.choose(row, button, b.payload, b.title); });
    row.appendChild(button);
  });
  row.addEventListener("keydown", arrowKeys);
  return row;
}

// The one-click question: five buttons (symbol + text label) in one group; arrow keys move between them.
function csatRow(buttons) {
  const row = make("div", "choices csat");
  row.setAttribute("role", "group");
  row.setAttribute("data-csat", "open");
  validButtons(buttons).forEach(function (b) {
    const parts = splitSymbol(b.title);
    const button = make("button", "choice csat-choice");
    button.type = "button";
    button.setAttribute("data-title", b.title);
    button.setAttribute("data-score", csatScore(b.payload));
    if (parts.symbol) {
      const symbol = make("span", "symbol", parts.symbol);
      symbol.setAttribute("aria-hidden", "true");
      button.appendChild(symbol);
    }
    button.appendChild(make("span", "label", parts.label));
    button.addEventListener("click", function () { c.choose(row, button, b.payload, b.title); });
    row.appendChild(button);
  });
  row.addEventListener("keydown", arrowKeys);
  return row;
}

function arrowKeys(ev) {
  const buttons = Array.prototype.slice.call(ev.currentTarget.querySelectorAll("button:not([disabled])"));
  const i = buttons.indexOf(ev.target);
  if (i < 0) { return; }
  let next = null;
  if (ev.key === "ArrowRight" || ev.key === "ArrowDown") { next = buttons[(i + 1) % buttons.length]; }
  if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") { next = buttons[(i - 1 + buttons.length) % buttons.length]; }
  if (ev.key === "Home") { next = buttons[0]; }
  if (ev.key === "End") { next = buttons[buttons.length - 1]; }
  if (next) {
    ev.preventDefault();
    next.focus();
  }
}

export function closeRow(row, chosen) {
  row.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
  if (row.hasAttribute("data-csat")) { row.setAttribute("data-csat", "answered"); }
  if (chosen && !chosen.classList.contains("chosen")) {
    chosen.classList.add("chosen");
    chosen.appendChild(make("span", "vh", " " + c.t("chosen")));
  }
}

export function reopenRow(row, chosen) {
  row.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
  if (row.hasAttribute("data-csat")) { row.setAttribute("data-csat", "open"); }
  if (chosen) {
    chosen.classList.remove("chosen");
    const note = chosen.querySelector(".vh");
    if (note) { chosen.removeChild(note); }
  }
}
