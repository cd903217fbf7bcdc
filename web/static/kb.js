// Our server-made pages (articles, privacy notice, accessibility statement): web addresses, e-mail addresses and
// phone numbers in the text become links, with the chat's own linkify (one rule set for chat and pages). A link to
// another of our article pages opens in this tab: one article leads to the next.

import {appendLinked} from "./staff/linkify.js";

const SKIP = new Set(["A", "CODE", "PRE", "SCRIPT", "STYLE", "TEXTAREA"]);

function textNodes(root) {
  const found = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      for (let el = node.parentElement; el && el !== root; el = el.parentElement) {
        if (SKIP.has(el.tagName)) { return NodeFilter.FILTER_REJECT; }
      }
      return node.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
    },
  });
  while (walker.nextNode()) { found.push(walker.currentNode); }
  return found;
}

function ownArticle(href) {
  try {
    const url = new URL(href, window.location.href);
    return url.origin === window.location.origin && url.pathname.indexOf("/kb/") >= 0;
  } catch (_) {
    return false;
  }
}

export function linkify(root) {
  textNodes(root).forEach(function (node) {
    const holder = document.createElement("span");
    appendLinked(holder, node.nodeValue);
    if (!holder.querySelector("a")) { return; }
    const parts = document.createDocumentFragment();
    while (holder.firstChild) { parts.appendChild(holder.firstChild); }
    node.parentNode.replaceChild(parts, node);
  });
  root.querySelectorAll("a[href]").forEach(function (a) {
    if (ownArticle(a.getAttribute("href"))) { a.removeAttribute("target"); }
  });
}

const main = document.querySelector("main");
if (main) { linkify(main); }
