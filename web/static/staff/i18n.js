// The one text catalogue (texts/de.yml, texts/en.yml), as the web service serves it at /texts/<lang>.json.
// t("ui.failed"), t("ui.editor.saved", {version: 3}); elements with data-t="key" get their text from it.

let catalogue = {};

export async function loadTexts(language) {
  const lang = language === "en" ? "en" : "de";
  try {
    const resp = await fetch("/texts/" + lang + ".json", {credentials: "same-origin"});
    catalogue = resp.ok ? await resp.json() : {};
  } catch (_) {
    catalogue = {};  // the pages' German fallbacks in the HTML stay; messages show their keys
  }
  return catalogue;
}

export function t(key, values) {
  const text = Object.prototype.hasOwnProperty.call(catalogue, key) ? String(catalogue[key]) : key;
  if (!values) { return text; }
  return text.replace(/\{(\w+)\}/g, function (whole, name) {
    return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
  });
}

// Every text under a prefix by its last key part: section("article.status").draft === "Entwurf".
export function section(prefix) {
  const start = prefix + ".";
  const out = {};
  Object.keys(catalogue).forEach(function (key) {
    if (key.indexOf(start) === 0) { out[key.slice(start.length)] = catalogue[key]; }
  });
  return out;
}

// Shared terms in the HTML (labels, column headers) come from the catalogue too: <th data-t="article.field.owner">.
export function applyTexts(root) {
  (root || document).querySelectorAll("[data-t]").forEach(function (node) {
    const key = node.getAttribute("data-t");
    if (Object.prototype.hasOwnProperty.call(catalogue, key)) { node.textContent = catalogue[key]; }
  });
}
