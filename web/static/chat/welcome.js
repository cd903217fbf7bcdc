// What the chat shows before the first message: the service hours (open now or not), the short privacy notice
// (DSGVO Art. 13) and six starter topics; and, always, the escalation button and the links to the privacy notice and
// the accessibility statement. The content comes from GET /api/chat/welcome; a topic asks its article's question.

import {c} from "./context.js";
import {make} from "./render.js";

const state = c.state;

function pageLink(path, text) {
  const a = make("a", "page-link", text);
  a.href = c.base + path + (c.lang === "en" ? "?lang=en" : "");
  a.target = "_blank";
  a.rel = "noopener";
  a.appendChild(make("span", "vh", " " + c.t("new_tab")));
  return a;
}

// The empty state's frame (filled by fill() once the server answered); shown while the log is empty.
export function buildWelcome() {
  const el = c.el;
  el.welcome = make("div", "welcome");
  el.welcome.id = "sd-welcome";
  const heading = state.fullscreen ? "h2" : "h3";
  el.hours = make("p", "hours");
  el.hours.id = "sd-hours";
  el.hours.hidden = true;
  el.welcome.appendChild(el.hours);
  el.privacy = make("p", "privacy");
  el.privacy.id = "sd-privacy";
  el.privacy.hidden = true;
  el.welcome.appendChild(el.privacy);
  el.topicsTitle = make(heading, "topics-title", c.t("topics"));
  el.topicsTitle.id = "sd-topics-title";
  el.topicsTitle.hidden = true;
  el.welcome.appendChild(el.topicsTitle);
  el.topics = make("ul", "topics");
  el.topics.id = "sd-topics";
  el.topics.setAttribute("aria-labelledby", "sd-topics-title");
  el.topics.hidden = true;
  el.welcome.appendChild(el.topics);
  return el.welcome;
}

// Below the composer, always there: "Mit dem Service Desk sprechen" and the two legal links.
export function buildFoot() {
  const el = c.el;
  const foot = make("div", "foot");
  el.escalate = make("button", "escalate", c.texts["shared.escalate"] || "Mit dem Service Desk sprechen");
  el.escalate.type = "button";
  el.escalate.id = "sd-escalate";
  foot.appendChild(el.escalate);
  const nav = make("nav", "legal");
  nav.setAttribute("aria-label", c.t("legal"));
  nav.appendChild(pageLink("/datenschutz", c.t("privacy_link")));
  nav.appendChild(pageLink("/barrierefreiheit", c.t("accessibility_link")));
  foot.appendChild(nav);
  return foot;
}

function fillHours(hours) {
  if (!hours || typeof hours.text !== "string") { return; }
  const el = c.el;
  el.hours.textContent = c.t("hours", {hours: hours.text}) + " ";
  let status = c.t("open_now");
  if (!hours.open) { status = hours.next_open ? c.t("closed_now", {when: hours.next_open}) : c.t("closed"); }
  const note = make("span", hours.open ? "open" : "closed", status);
  el.hours.appendChild(note);
  el.hours.setAttribute("data-open", String(!!hours.open));
  el.hours.hidden = false;
}

function fillTopics(topics, ask) {
  const el = c.el;
  const usable = (Array.isArray(topics) ? topics : []).filter(function (t) {
    return t && typeof t.title === "string" && t.title && typeof t.question === "string" && t.question;
  });
  usable.slice(0, 6).forEach(function (t) {
    const item = make("li", "");
    // The question it asks is its label: what the button says is what the log then shows as sent.
    const button = make("button", "choice topic", t.question);
    button.type = "button";
    if (typeof t.slug === "string") { button.setAttribute("data-slug", t.slug); }
    button.addEventListener("click", function () { ask(t.question); });
    item.appendChild(button);
    el.topics.appendChild(item);
  });
  el.topics.hidden = el.topicsTitle.hidden = usable.length === 0;
}

function fillPrivacy(privacy) {
  if (!privacy || typeof privacy.controller !== "string") { return; }
  const el = c.el;
  el.privacy.appendChild(document.createTextNode(c.t("privacy", {days: Number(privacy.retention_days) || "?"}) + " "));
  el.privacy.appendChild(document.createTextNode(c.t("controller", {name: privacy.controller}) + " "));
  const href = typeof privacy.contact_href === "string" && /^(mailto:|https?:)/.test(privacy.contact_href) ?
    privacy.contact_href : null;
  if (href) {
    const a = make("a", "", privacy.contact);
    a.href = href;
    el.privacy.appendChild(a);
  } else {
    el.privacy.appendChild(document.createTextNode(String(privacy.contact || "")));
  }
  el.privacy.appendChild(document.createTextNode(". "));
  el.privacy.appendChild(pageLink("/datenschutz", c.t("privacy_link")));
  el.privacy.hidden = false;
}

// The server's empty state into the frame; `ask(question)` sends a topic's question.
export async function loadWelcome(api, ask) {
  let body = null;
  try {
    body = await api("GET", "/api/chat/welcome?lang=" + c.lang);
  } catch (_) {
    return;  // the chat works without it: the composer, the escalation button and the legal links stay
  }
  fillHours(body.hours);
  fillTopics(body.topics, ask);
  fillPrivacy(body.privacy);
  c.el.host.setAttribute("data-welcome", "ready");
}

// An active request to the desk: the escalation button would only ask again.
export function showEscalate(handoff) {
  if (c.el.escalate) { c.el.escalate.hidden = handoff === "waiting" || handoff === "claimed"; }
}
