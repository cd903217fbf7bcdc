// Admin page (data protection): export or erase everything of one person, the request audit, the access audit.
// Everything from the server is rendered with textContent, never as HTML.

import {api} from "../staff/api.js";
import {$, clear, emptyRow, make} from "../staff/dom.js";
import {dateTimeText} from "../staff/format.js";
import {section, t} from "../staff/i18n.js";
import {createShell} from "../staff/shell.js";

const el = {
  admin: $("admin"), title: $("admin-title"), form: $("subject-form"), value: $("subject-value"),
  confirm: $("confirm"), erase: $("erase"), error: $("subject-error"), status: $("subject-status"),
  requests: $("requests-body"), access: $("access-body"), retention: $("access-retention"),
};

function countsText(counts) {
  const c = counts || {};
  const values = {};
  ["conversations", "messages", "escalations", "tickets", "csat_ratings", "knowledge_gaps", "tracker_events"]
    .forEach(function (k) { values[k] = typeof c[k] === "number" ? c[k] : 0; });
  return t("ui.admin.counts", values);
}

function row(cells) {
  const tr = make("tr");
  cells.forEach(function (value) { tr.appendChild(make("td", "", value)); });
  return tr;
}

async function loadTables() {
  const [requests, access] = await Promise.all([
    api("GET", "/api/admin/subject/requests"), api("GET", "/api/admin/access"),
  ]);
  const kinds = section("ui.admin.kind"), given = section("ui.admin.given"), views = section("ui.admin.view");
  clear(el.requests);
  (requests.requests || []).forEach(function (r) {
    el.requests.appendChild(row([dateTimeText(r.at), r.actor, kinds[r.kind] || r.kind, given[r.given] || r.given, countsText(r.counts)]));
  });
  if (!el.requests.firstChild) { el.requests.appendChild(emptyRow(t("ui.admin.nothing"), 5)); }
  clear(el.access);
  (access.accesses || []).forEach(function (a) {
    el.access.appendChild(row([dateTimeText(a.at), a.staff_username, views[a.view] || a.view, a.escalation_id === null ? "–" : String(a.escalation_id)]));
  });
  if (!el.access.firstChild) { el.access.appendChild(emptyRow(t("ui.admin.nothing"), 4)); }
  el.retention.textContent = t("ui.admin.retention", {days: access.retention_days});
}

const shell = createShell({
  role: "admin",
  roleLabel: "admin",
  why: "ui.admin.no_role",
  checkRole: true,
  views: {admin: el.admin},
  enter: async function (_data, focus) {
    shell.showView("admin");
    if (focus) { el.title.focus(); }
    try { await loadTables(); } catch (e) { shell.handleError(e); }
  },
});

function target() {
  const given = el.form.querySelector("input[name=given]:checked").value;
  const body = {};
  body[given] = el.value.value.trim();
  return body;
}

function say(message, isError) {
  el.error.hidden = !isError;
  el.error.textContent = isError ? message : "";
  el.status.textContent = isError ? "" : message;
}

function download(document_, name) {
  const blob = new Blob([JSON.stringify(document_, null, 2)], {type: "application/json"});
  const a = make("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
}

async function run(kind) {
  const body = target();
  if (!el.value.value.trim()) { say(t("ui.admin.value_missing"), true); el.value.focus(); return; }
  if (kind === "erase") {
    if (!el.confirm.checked) { say(t("ui.admin.confirm_missing"), true); el.confirm.focus(); return; }
    body.confirm = true;
  }
  say("", false);
  try {
    const found = await api("POST", "/api/admin/subject/" + kind, body);
    if (kind === "export") {
      download(found, "auskunft.json");
      say(t("ui.admin.exported", {counts: countsText(found.counts)}), false);
    } else {
      el.confirm.checked = false;
      say(t("ui.admin.erased", {counts: countsText(found.counts)}), false);
    }
    await loadTables();
  } catch (e) {
    if (e && (e.status === 400 || e.status === 404)) { say(e.message, true); return; }
    shell.handleError(e);
  }
}

el.form.addEventListener("submit", function (ev) { ev.preventDefault(); run("export"); });
el.erase.addEventListener("click", function () { run("erase"); });

shell.boot();
