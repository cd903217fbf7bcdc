// The open panel's banner while a major incident is active ("Aktuelle Störung: …"): the published titles from the
// public /api/chat/incidents, kept live by a long-poll on the incidents change counter while the panel is open.
// A status region (announced politely, never takes the focus); its words come from the catalogue, the titles are
// rendered as text.

import {c, isAbort, sleep} from "./context.js";
import {make} from "./render.js";

const RETRY_MS = 5000;
let following = null;  // the AbortController of the running long-poll

export function buildBanner() {
  const region = make("div", "incident-region");
  region.id = "sd-incident";
  region.setAttribute("role", "status");
  c.el.incident = region;
  return region;
}

function show(list) {
  const titles = list.map(function (i) { return String((i && i.title) || "").trim(); }).filter(Boolean);
  const words = !titles.length ? "" : titles.length === 1 ? c.t("incident", {title: titles[0]})
    : c.t("incidents", {titles: titles.join("; ")});
  const region = c.el.incident;
  if (region.textContent === words) { return; }
  while (region.firstChild) { region.removeChild(region.firstChild); }
  if (words) { region.appendChild(make("p", "incident-banner", words)); }
}

async function incidents(after, signal) {
  const resp = await fetch(c.base + "/api/chat/incidents" + (after === null ? "" : "?after=" + after), {
    headers: {"Accept": "application/json"}, mode: "cors", credentials: "omit", cache: "no-store", signal: signal,
  });
  if (!resp.ok) { throw new Error("incidents " + resp.status); }
  return resp.json();
}

async function follow(abort) {
  let after = null;
  while (!abort.signal.aborted) {
    try {
      const body = await incidents(after, abort.signal);
      if (abort.signal.aborted) { return; }
      if (!body || body.shown === false) { show([]); return; }  // the desk turned the banner off
      show(Array.isArray(body.incidents) ? body.incidents : []);
      after = Number.isInteger(body.revision) && body.revision >= 0 ? body.revision : null;
      if (after === null) { await sleep(RETRY_MS); }
    } catch (e) {
      if (isAbort(e)) { return; }
      await sleep(RETRY_MS);  // the web service restarting: the banner is a hint, try again later
    }
  }
}

// While the panel is open: follow the incidents; closed: stop (a closed widget holds no extra connection).
export function followIncidents(on) {
  if (on && !following) {
    following = new AbortController();
    follow(following);
  } else if (!on && following) {
    following.abort();
    following = null;
  }
}
