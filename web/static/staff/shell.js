// The frame every staff page shares: the login form, logging out, "no access", the error line and the views.
// A page says which role it needs, which views it has, and what happens when someone enters or leaves.

import {api, ApiError, isAbort, setCsrf} from "./api.js";
import {$, reportMissing} from "./dom.js";
import {applyTexts, loadTexts, t} from "./i18n.js";

// options: {role, roleLabel, why, views: {name: element}, loginTitle, expiredKey, checkRole,
//           enter(data, focus), leave(), beforeLogout() -> bool, onExpired()}
export function createShell(options) {
  const el = {
    userbox: $("userbox"), userName: $("user-name"), logout: $("logout"), error: $("error"),
    loginView: $("login-view"), loginForm: $("login-form"), username: $("username"), password: $("password"),
    loginError: $("login-error"), noRole: $("no-role"), noRoleTitle: $("no-role-title"), noRoleText: $("no-role-text"),
  };
  const views = Object.assign({login: el.loginView, "no-role": el.noRole}, options.views || {});
  const shell = {user: null, view: null, showView: null};

  // A page may wrap this (shell.showView = ...): the frame calls it through the shell.
  function showView(name) {
    shell.view = name;
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    el.userbox.hidden = name === "login";
  }

  function showError(message) {
    el.error.textContent = message || t("ui.failed");
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.error.textContent = "";
  }

  function leave() { if (options.leave) { options.leave(); } }

  function showLogin(message) {
    leave();
    shell.user = null;
    setCsrf("");
    shell.showView("login");
    clearError();
    el.loginError.hidden = !message;
    el.loginError.textContent = message || "";
    el.password.value = "";
    if (options.loginTitle) { document.title = options.loginTitle; }
    el.username.focus();
  }

  function sessionExpired() {
    if (options.onExpired) { options.onExpired(); }
    showLogin(t(options.expiredKey || "ui.expired"));
  }

  function showNoRole(serverMessage) {
    leave();
    shell.showView("no-role");
    const name = shell.user ? shell.user.display_name || shell.user.username : "";
    el.noRoleText.textContent = t("ui.no_role", {name: name ? " „" + name + "“" : "", role: options.roleLabel, why: t(options.why)}) +
      (serverMessage ? " (" + serverMessage + ")" : "");
    el.noRoleTitle.focus();
  }

  function isNoRole(e) { return !!e && e.status === 403 && !!e.body && !!e.body.role; }

  // The one place that decides what a failed call means for the page.
  function handleError(e) {
    if (isAbort(e)) { return; }
    if (e && e.status === 401) { sessionExpired(); return; }
    if (isNoRole(e)) { showNoRole(e.message); return; }
    showError(e && e.message ? e.message : t("ui.failed"));
  }

  async function enter(data, focus) {
    shell.user = data.user || {};
    setCsrf(data.csrf_token);
    el.userName.textContent = shell.user.display_name || shell.user.username || "";
    el.loginError.hidden = true;
    clearError();
    const roles = Array.isArray(shell.user.roles) ? shell.user.roles : null;
    if (options.checkRole && roles && roles.indexOf(options.role) === -1 && roles.indexOf("admin") === -1) {
      showNoRole("");
      return;
    }
    await options.enter(data, focus);
  }

  el.loginForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const username = el.username.value.trim();
    const password = el.password.value;
    if (!username || !password) {
      reportMissing(username, el.username, el.password, el.loginError, t("ui.login_missing"));
      return;
    }
    const button = el.loginForm.querySelector("button[type=submit]");
    button.disabled = true;
    let data;
    try {
      data = await api("POST", "/api/auth/login", {username: username, password: password});
    } catch (e) {
      el.password.value = "";
      el.loginError.textContent = e.status === 401 ? (e.body && e.body.error) || t("ui.login_failed") : e.message;
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
    if (options.beforeLogout && !options.beforeLogout()) { return; }
    try {
      await api("POST", "/api/auth/logout", {});
    } catch (e) {
      if (!isAbort(e) && e.status !== 401) { showError(e.message); return; }
    }
    if (options.afterLogout) { options.afterLogout(); }
    showLogin("");
  });

  // Texts first (the catalogue), then who is there: the page, or the login form.
  async function boot(before) {
    await loadTexts(document.documentElement.lang || "de");
    applyTexts(document);
    if (before) { before(); }
    let data;
    try {
      data = await api("GET", "/api/auth/me");
    } catch (e) {
      if (e instanceof ApiError && e.status && e.status !== 401) {
        showLogin("");
        showError(e.message);
        return;
      }
      showLogin(e && e.status === 0 ? t("ui.offline") : "");
      return;
    }
    await enter(data, false);
  }

  return Object.assign(shell, {
    showView, showError, clearError, showLogin, showNoRole, sessionExpired, isNoRole, handleError, boot,
  });
}
