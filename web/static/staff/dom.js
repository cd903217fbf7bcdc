// Building the page from data: always as text (textContent), never as HTML. Links only to our own articles.

export function $(id) { return document.getElementById(id); }

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

export function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

// A table row: a row header, then cells of numbers.
export function numberRow(head, cells) {
  const tr = make("tr");
  const th = make("th", "", head);
  th.scope = "row";
  tr.appendChild(th);
  cells.forEach(function (value) { tr.appendChild(make("td", "num", value)); });
  return tr;
}

// The one row an empty table body shows instead of data.
export function emptyRow(text, columns) {
  const tr = make("tr");
  const td = make("td", "muted", text);
  td.colSpan = columns;
  tr.appendChild(td);
  return tr;
}

// One of two required fields is empty: say so in `errorNode` and focus the (first) empty one.
export function reportMissing(firstValue, firstInput, secondInput, errorNode, message) {
  errorNode.textContent = message;
  errorNode.hidden = false;
  (firstValue ? secondInput : firstInput).focus();
}

export function badge(text, kind) { return make("span", "badge" + (kind ? " badge-" + kind : ""), text); }

export function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

export function isNumber(value) { return typeof value === "number" && isFinite(value); }

// Only our own article pages (same origin, path under /kb/, http or https); anything else stays text.
export function ownUrl(value) {
  if (typeof value !== "string" || !value) { return null; }
  try {
    const url = new URL(value, window.location.origin);
    const ours = url.origin === window.location.origin && url.pathname.indexOf("/kb/") === 0;
    return ours && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
  } catch (_) {
    return null;
  }
}

export function link(url, text) {
  const href = ownUrl(url);
  if (!href) { return make("span", "", text); }
  const a = make("a", "", text);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}
