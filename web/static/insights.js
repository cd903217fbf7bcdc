// Lead page: CSAT figures for a date range, a Chart.js bar chart with the same numbers as a table, CSV export.
// Everything that comes from the server is rendered with textContent, never as HTML.
// Anonymous by design: there are no per-person figures here, and none may be added (staff council).
(function () {
  "use strict";

  const PATHS = ["bot", "agent", "ticket", "abandoned"];
  const PATH_TEXT = {bot: "Assistent", agent: "Service Desk (Chat)", ticket: "Ticket", abandoned: "Abgebrochen"};
  const SCORES = ["1", "2", "3", "4", "5"];
  const SCORE_TEXT = {
    "1": "1 – sehr unzufrieden", "2": "2 – unzufrieden", "3": "3 – neutral", "4": "4 – zufrieden",
    "5": "5 – sehr zufrieden",
  };
  // Diverging orange → blue (readable with red-green colour blindness); each >= 3:1 against white.
  const SCORE_COLOUR = {"1": "#8f2d00", "2": "#c26a00", "3": "#6b6b6b", "4": "#2f6db3", "5": "#143f7a"};
  const TEXT = {
    offline: "Der Server ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
    failed: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
    loginFailed: "Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort.",
    loginMissing: "Bitte geben Sie Benutzername und Passwort ein.",
    expired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
    rangeMissing: "Bitte geben Sie ein Start- und ein Enddatum an.",
    rangeOrder: "Das Startdatum „Von“ liegt nach dem Enddatum „Bis“. Bitte korrigieren Sie den Zeitraum.",
    loading: "Die Auswertung wird geladen …",
  };

  const $ = function (id) { return document.getElementById(id); };
  const el = {
    userbox: $("userbox"), userName: $("user-name"), logout: $("logout"), error: $("error"),
    loginView: $("login-view"), loginForm: $("login-form"), username: $("username"), password: $("password"),
    loginError: $("login-error"), noRole: $("no-role"), noRoleTitle: $("no-role-title"), noRoleText: $("no-role-text"),
    dashboard: $("dashboard"), dashboardTitle: $("dashboard-title"),
    rangeForm: $("range-form"), from: $("from"), to: $("to"), show: $("show"), csv: $("csv"),
    rangeError: $("range-error"), status: $("status"), results: $("results"),
    average: $("average"), answered: $("answered"), asked: $("asked"), rate: $("rate"), empty: $("empty"),
    chart: $("chart"), chartMissing: $("chart-missing"), pathsBody: $("paths-body"), pathsFoot: $("paths-foot"),
    weeksBody: $("weeks-body"), weeksEmpty: $("weeks-empty"),
  };

  const state = {csrf: "", user: null, chart: null, request: 0, loaded: false};
  const reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  // ---------------------------------------------------------------- helpers

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body) {
    const headers = {"Accept": "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET") { headers["X-CSRF-Token"] = state.csrf || ""; }
    let resp;
    try {
      resp = await fetch(path, {
        method: method,
        headers: headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, TEXT.offline, null);
    }
    let data = null;
    try { data = await resp.json(); } catch (_) { data = null; }
    if (!resp.ok) {
      const message = data && typeof data.error === "string" && data.error ? data.error : TEXT.failed;
      throw new ApiError(resp.status, message, data);
    }
    return data || {};
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function isNumber(value) { return typeof value === "number" && isFinite(value); }

  const AVERAGE = new Intl.NumberFormat("de-DE", {minimumFractionDigits: 1, maximumFractionDigits: 1});
  const COUNT = new Intl.NumberFormat("de-DE", {maximumFractionDigits: 0});
  const PERCENT = new Intl.NumberFormat("de-DE", {style: "percent", maximumFractionDigits: 0});

  function averageText(value) { return isNumber(value) ? AVERAGE.format(value) : "–"; }
  function countText(value) { return COUNT.format(isNumber(value) ? value : 0); }
  function rateText(value) { return isNumber(value) ? PERCENT.format(value) : "–"; }
  function answersText(value) { return countText(value) + (value === 1 ? " Antwort" : " Antworten"); }

  // Dates travel as YYYY-MM-DD; "today" is the browser's local day, not UTC.
  function isoDay(d) {
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function germanDay(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
    return m ? m[3] + "." + m[2] + "." + m[1] : String(iso || "");
  }

  function weekText(value) {
    const m = /^(\d{4})-W(\d{1,2})$/.exec(String(value || ""));
    return m ? "KW " + Number(m[2]) + "/" + m[1] : String(value || "");
  }

  function distributionOf(group) {
    const d = group && group.distribution && typeof group.distribution === "object" ? group.distribution : {};
    return SCORES.map(function (s) { return isNumber(d[s]) ? d[s] : 0; });
  }

  function showError(message) {
    el.error.textContent = message || TEXT.failed;
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.error.textContent = "";
    el.rangeError.hidden = true;
    el.rangeError.textContent = "";
  }

  // ---------------------------------------------------------------- views

  function showView(name) {
    el.loginView.hidden = name !== "login";
    el.noRole.hidden = name !== "no-role";
    el.dashboard.hidden = name !== "dashboard";
    el.userbox.hidden = name === "login";
  }

  function showLogin(message) {
    state.request += 1;
    state.user = null;
    state.csrf = "";
    state.loaded = false;
    destroyChart();
    showView("login");
    clearError();
    el.loginError.hidden = !message;
    el.loginError.textContent = message || "";
    el.password.value = "";
    el.username.focus();
  }

  function showNoRole(serverMessage) {
    state.request += 1;
    destroyChart();
    showView("no-role");
    const name = state.user ? state.user.display_name || state.user.username : "";
    el.noRoleText.textContent = "Ihr Konto" + (name ? " „" + name + "“" : "") + " hat nicht die Rolle „lead“ " +
      "(Leitung des Service Desks). Die Auswertung der Zufriedenheit ist nur für die Leitung freigegeben." +
      (serverMessage ? " (" + serverMessage + ")" : "");
    el.noRoleTitle.focus();
  }

  // ---------------------------------------------------------------- login

  async function enter(data, focus) {
    state.user = data.user || {};
    state.csrf = data.csrf_token || "";
    el.userName.textContent = state.user.display_name || state.user.username || "";
    el.loginError.hidden = true;
    clearError();
    state.loaded = false;
    await load(null, focus);
  }

  el.loginForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const username = el.username.value.trim();
    const password = el.password.value;
    if (!username || !password) {
      el.loginError.textContent = TEXT.loginMissing;
      el.loginError.hidden = false;
      (username ? el.password : el.username).focus();
      return;
    }
    const button = el.loginForm.querySelector("button[type=submit]");
    button.disabled = true;
    let data;
    try {
      data = await api("POST", "/api/auth/login", {username: username, password: password});
    } catch (e) {
      el.password.value = "";
      el.loginError.textContent = e.status === 401 ? (e.body && e.body.error) || TEXT.loginFailed : e.message;
      el.loginError.hidden = false;
      el.password.focus();
      return;
    } finally {
      button.disabled = false;
    }
    el.password.value = "";
    await enter(data, true);
  });

  el.logout.addEventListener("click", async function () {
    try {
      await api("POST", "/api/auth/logout", {});
    } catch (e) {
      if (e.status !== 401) { showError(e.message); return; }
    }
    showLogin("");
  });

  // ---------------------------------------------------------------- loading

  function csvHref(from, to) {
    return "/api/insights/csat.csv?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
  }

  // range null: the server's default period (the last 28 days up to today), which then fills the date inputs.
  async function load(range, focus) {
    const request = ++state.request;
    const query = range ? "?from=" + encodeURIComponent(range.from) + "&to=" + encodeURIComponent(range.to) : "";
    el.show.disabled = true;
    el.results.setAttribute("aria-busy", "true");
    el.status.textContent = TEXT.loading;
    let data;
    try {
      data = await api("GET", "/api/insights/csat" + query);
    } catch (e) {
      if (request !== state.request) { return; }
      el.status.textContent = "";
      if (e.status === 401) { showLogin(TEXT.expired); return; }
      if (e.status === 403) { showNoRole(e.message); return; }
      if (!state.loaded) { showView("dashboard"); }
      if (e.status === 400) {
        el.rangeError.textContent = e.message;
        el.rangeError.hidden = false;
      } else {
        showError(e.message);
      }
      return;
    } finally {
      if (request === state.request) {
        el.show.disabled = false;
        el.results.removeAttribute("aria-busy");
      }
    }
    if (request !== state.request) { return; }
    const from = typeof data.from === "string" ? data.from : range ? range.from : "";
    const to = typeof data.to === "string" ? data.to : range ? range.to : "";
    el.from.value = from;
    el.to.value = to;
    el.csv.href = csvHref(from, to);
    showView("dashboard");
    render(data);
    state.loaded = true;
    el.status.textContent = "Zeitraum " + germanDay(from) + " bis " + germanDay(to) + ": " +
      answersText(data.answered) + ", Durchschnitt " + averageText(data.average) + ".";
    if (focus) { el.dashboardTitle.focus(); }
  }

  function defaultRange() {
    const to = new Date();
    const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - 27);
    return {from: isoDay(from), to: isoDay(to)};
  }

  el.rangeForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearError();
    const from = el.from.value;
    const to = el.to.value;
    if (!from || !to) {
      el.rangeError.textContent = TEXT.rangeMissing;
      el.rangeError.hidden = false;
      (from ? el.to : el.from).focus();
      return;
    }
    if (from > to) {
      el.rangeError.textContent = TEXT.rangeOrder;
      el.rangeError.hidden = false;
      el.from.focus();
      return;
    }
    load({from: from, to: to}, false);
  });

  // ---------------------------------------------------------------- rendering

  function render(data) {
    el.average.textContent = averageText(data.average);
    el.answered.textContent = countText(data.answered);
    el.asked.textContent = countText(data.asked);
    el.rate.textContent = rateText(data.response_rate);
    el.empty.hidden = isNumber(data.answered) && data.answered > 0;
    const byPath = data.by_path && typeof data.by_path === "object" ? data.by_path : {};
    renderPaths(byPath, data);
    renderWeeks(Array.isArray(data.weeks) ? data.weeks : []);
    renderChart(byPath);
  }

  function pathRow(cellTag, label, group) {
    const tr = make("tr");
    const head = make("th", "", label);
    head.scope = "row";
    tr.appendChild(head);
    distributionOf(group).forEach(function (n) { tr.appendChild(make(cellTag, "num", countText(n))); });
    tr.appendChild(make(cellTag, "num", countText(group && group.answered)));
    tr.appendChild(make(cellTag, "num", countText(group && group.asked)));
    tr.appendChild(make(cellTag, "num", rateText(group && group.response_rate)));
    tr.appendChild(make(cellTag, "num", averageText(group && group.average)));
    return tr;
  }

  function renderPaths(byPath, total) {
    clear(el.pathsBody);
    clear(el.pathsFoot);
    PATHS.forEach(function (path) {
      const row = pathRow("td", PATH_TEXT[path], byPath[path] || {});
      row.dataset.path = path;
      el.pathsBody.appendChild(row);
    });
    const sum = pathRow("td", "Gesamt", total);
    sum.dataset.path = "total";
    el.pathsFoot.appendChild(sum);
  }

  function renderWeeks(weeks) {
    clear(el.weeksBody);
    weeks.forEach(function (w) {
      const tr = make("tr");
      const head = make("th", "", weekText(w && w.week));
      head.scope = "row";
      tr.appendChild(head);
      tr.appendChild(make("td", "num", countText(w && w.answered)));
      tr.appendChild(make("td", "num", averageText(w && w.average)));
      el.weeksBody.appendChild(tr);
    });
    el.weeksEmpty.hidden = weeks.length > 0;
  }

  function chartSummary(byPath) {
    const parts = PATHS.map(function (path) {
      const g = byPath[path] || {};
      const d = distributionOf(g);
      return PATH_TEXT[path] + ": " + answersText(g.answered) +
        (isNumber(g.average) ? ", Durchschnitt " + averageText(g.average) : "") +
        " (" + SCORES.map(function (s, i) { return "Note " + s + ": " + countText(d[i]); }).join(", ") + ")";
    });
    return "Balkendiagramm der Bewertungen nach Lösungsweg (1 = sehr unzufrieden, 5 = sehr zufrieden). " +
      parts.join("; ") + ". Dieselben Zahlen stehen in der Tabelle unter dem Diagramm.";
  }

  function destroyChart() {
    if (state.chart) {
      state.chart.destroy();
      state.chart = null;
    }
  }

  function renderChart(byPath) {
    el.chart.setAttribute("aria-label", chartSummary(byPath));
    if (typeof window.Chart !== "function") {
      el.chart.hidden = true;
      el.chartMissing.hidden = false;
      return;
    }
    const labels = PATHS.map(function (p) { return PATH_TEXT[p]; });
    const datasets = SCORES.map(function (s, i) {
      return {
        label: SCORE_TEXT[s],
        data: PATHS.map(function (p) { return distributionOf(byPath[p])[i]; }),
        backgroundColor: SCORE_COLOUR[s],
        borderColor: "#ffffff",
        borderWidth: 1,
      };
    });
    const still = !!(reducedMotion && reducedMotion.matches);
    if (state.chart) {
      state.chart.data.labels = labels;
      state.chart.data.datasets = datasets;
      state.chart.options.animation = still ? false : {duration: 400};
      state.chart.update();
      return;
    }
    window.Chart.defaults.color = "#333333";
    window.Chart.defaults.font.family = "system-ui, sans-serif";
    state.chart = new window.Chart(el.chart, {
      type: "bar",
      data: {labels: labels, datasets: datasets},
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : {duration: 400},
        plugins: {
          legend: {position: "bottom"},
          tooltip: {enabled: true},
        },
        scales: {
          x: {stacked: true, grid: {display: false}},
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: {precision: 0},
            title: {display: true, text: "Anzahl Antworten"},
          },
        },
      },
    });
  }

  if (reducedMotion && typeof reducedMotion.addEventListener === "function") {
    reducedMotion.addEventListener("change", function () {
      if (state.chart) {
        state.chart.options.animation = reducedMotion.matches ? false : {duration: 400};
        state.chart.update("none");
      }
    });
  }

  // ---------------------------------------------------------------- start

  async function boot() {
    const range = defaultRange();
    el.from.value = range.from;
    el.to.value = range.to;
    el.csv.href = csvHref(range.from, range.to);
    let data;
    try {
      data = await api("GET", "/api/auth/me");
    } catch (e) {
      if (e && e.status && e.status !== 401) {
        showLogin("");
        showError(e.message);
        return;
      }
      showLogin(e && e.status === 0 ? TEXT.offline : "");
      return;
    }
    await enter(data, false);
  }

  boot();
})();
