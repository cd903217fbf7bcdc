// Web addresses, e-mail addresses and phone numbers in a chat message as links, built with DOM APIs only (the
// text stays textContent; an address becomes an <a> whose href is checked to be http(s):, mailto: or tel:).
// Shared by the employee's chat and the agent console.

// One pass over the text, the first match wins: a URL (which may contain an @ or digits) before an e-mail address
// before a phone number. A phone number starts with + or 0 (a German "030 1234-567", "+49 (0)30 12 34 56",
// "0800 123 456 7"); dates, times, versions, IP and ticket numbers have dots, colons or letters and stay text.
const PATTERN = new RegExp(
  "(https?:\\/\\/[^\\s<>\"'`]+)" +
  "|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,24})" +
  "|((?:\\+|\\(?\\b0)\\d[\\d \\-/()]{4,22}\\d)",
  "g"
);
const TRAILING = /[.,;:!?)\]}'"»“”]+$/;  // sentence punctuation after an address is not part of it
const SCHEMES = ["http:", "https:", "mailto:", "tel:"];
const DATE = /^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}$/;  // "03-12-2026", "03/12/2026": a date, not a number to call

// The address in `raw` as a safe href, or null (then the text stays text).
function hrefFor(kind, raw) {
  let href = raw;
  if (kind === "mail") { href = "mailto:" + raw; }
  if (kind === "phone") {
    if (DATE.test(raw)) { return null; }
    const digits = raw.replace(/\(0\)/g, "").replace(/[^\d+]/g, "");
    const count = digits.replace(/\D/g, "").length;
    if (count < 6 || count > 15 || digits.lastIndexOf("+") > 0) { return null; }
    href = "tel:" + digits;
  }
  try {
    const url = new URL(href);
    return SCHEMES.indexOf(url.protocol) >= 0 ? url.href : null;
  } catch (_) {
    return null;
  }
}

export function linkNode(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  a.className = "auto-link";
  a.rel = "noopener noreferrer";
  if (/^https?:/.test(href)) { a.target = "_blank"; }
  return a;
}

// Append `text` to `parent`: plain runs as text nodes, addresses as links.
export function appendLinked(parent, text) {
  const value = String(text || "");
  let at = 0;
  PATTERN.lastIndex = 0;
  let match;
  while ((match = PATTERN.exec(value)) !== null) {
    let raw = match[0];
    const kind = match[1] ? "url" : match[2] ? "mail" : "phone";
    if (kind === "url") { raw = raw.replace(TRAILING, ""); }
    // A number glued to a word, a code or a date ("SD-2026-000042", "v1.0123456") is no phone number.
    if (kind === "phone" && /[\w\-/.]/.test(value.charAt(match.index - 1))) { continue; }
    const href = hrefFor(kind, raw);
    if (!href) { continue; }
    if (match.index > at) { parent.appendChild(document.createTextNode(value.slice(at, match.index))); }
    parent.appendChild(linkNode(href, raw));
    at = match.index + raw.length;
    PATTERN.lastIndex = at;
  }
  if (at < value.length) { parent.appendChild(document.createTextNode(value.slice(at))); }
  return parent;
}

// A paragraph (or span) with the text and its links.
export function linkedText(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  return appendLinked(node, text);
}
