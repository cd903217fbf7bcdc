// The surge banner above the tabs (queue and "Störungen" alike): many similar questions within minutes that no
// active incident explains (GET /api/incidents/surges). "Als Störung anlegen" opens the incident form filled with
// the surge's wording and examples; "Ausblenden" hides it for good. A new surge is announced politely once.

import {api} from "../staff/api.js";
import {$, clear, make} from "../staff/dom.js";
import {timeText} from "../staff/format.js";
import {t} from "../staff/i18n.js";
import {named} from "./library.js";
import {state} from "./state.js";
import {announce} from "./words.js";

const POLL_MS = 30000;
const el = {box: $("surges"), list: $("surge-list"), status: $("surge-status")};
const view = {seen: new Set(), windowMinutes: 10, timer: null, declare: null};

function say(text) { el.status.textContent = text; }

function trendText(trend) {
  const direction = ["rising", "steady", "falling"].indexOf(trend.direction) >= 0 ? trend.direction : "steady";
  return t("ui.incidents.surge.trend." + direction, {recent: trend.recent || 0, earlier: trend.earlier || 0});
}

function entry(surge) {
  const item = make("li", "surge");
  const title = t("ui.incidents.surge.title", {label: surge.label || ""});
  const heading = make("h2", "surge-title", title);
  heading.id = "surge-" + surge.id + "-title";
  heading.tabIndex = -1;
  item.appendChild(heading);
  item.appendChild(make("p", "surge-line", t("ui.incidents.surge.summary", {
    count: surge.count, conversations: surge.conversations, minutes: view.windowMinutes,
    time: timeText(surge.last_seen),
  })));
  item.appendChild(make("p", "surge-line", trendText(surge.trend || {})));
  item.appendChild(make("p", "surge-line", t("ui.incidents.surge.examples")));
  const examples = make("ul", "surge-examples");
  (surge.examples || []).forEach(function (text) { examples.appendChild(make("li", "", text)); });
  item.appendChild(examples);
  const buttons = make("div", "reply-buttons");
  const declare = named(t("ui.incidents.surge.declare"), surge.label || "");
  declare.classList.add("primary");
  declare.addEventListener("click", function () {
    if (view.declare) { view.declare(surge.suggestion || {title: surge.label, symptoms: ""}); }
  });
  const dismiss = named(t("ui.incidents.surge.dismiss"), surge.label || "");
  dismiss.addEventListener("click", function () { hide(surge); });
  buttons.appendChild(declare);
  buttons.appendChild(dismiss);
  item.appendChild(buttons);
  return item;
}

async function hide(surge) {
  try {
    await api("POST", "/api/incidents/surges/" + encodeURIComponent(surge.id) + "/dismiss");
  } catch (e) {
    if (e.status === 401) { state.shell.sessionExpired(); return; }
    say(e.message);
    return;
  }
  say(t("ui.incidents.surge.dismissed"));
  await loadSurges(true);
  // Keyboard users land on the next surge, or back on the tab they were on.
  const next = el.list.querySelector(".surge-title");
  const tab = document.querySelector('[role="tab"][aria-selected="true"]');
  (next || tab).focus();
}

// `force`: redraw even with the keyboard in the banner (after the user's own action there).
export async function loadSurges(force) {
  const session = state.session;
  const data = await api("GET", "/api/incidents/surges");
  if (session !== state.session) { return; }
  if (typeof data.window_minutes === "number") { view.windowMinutes = data.window_minutes; }
  const surges = Array.isArray(data.surges) ? data.surges : [];
  const focused = document.activeElement && el.list.contains(document.activeElement) ? document.activeElement : null;
  if (focused && !force) { return; }  // never redraw under the keyboard; the next round will
  clear(el.list);
  surges.forEach(function (surge) {
    el.list.appendChild(entry(surge));
    if (!view.seen.has(surge.id)) {
      view.seen.add(surge.id);
      announce(t("ui.incidents.surge.announce", {label: surge.label || "", count: surge.count}));
    }
  });
  el.box.hidden = surges.length === 0;
}

// Poll while the workspace is shown; `declare(suggestion)` opens the pre-filled incident form.
export function watchSurges(declare) {
  view.declare = declare;
  el.box.setAttribute("aria-label", t("ui.incidents.surge.region"));
  if (view.timer !== null) { clearInterval(view.timer); }
  el.status.textContent = "";
  const session = state.session;
  const round = function () {
    if (session !== state.session) { clearInterval(view.timer); view.timer = null; return; }
    loadSurges().catch(function (e) {
      if (e && e.status === 401) { state.shell.sessionExpired(); }
    });
  };
  round();
  view.timer = setInterval(round, POLL_MS);
}
