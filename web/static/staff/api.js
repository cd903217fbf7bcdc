// Calls to our own API: JSON in and out, the session cookie, the CSRF token on every state change.

import {t} from "./i18n.js";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let csrf = "";

export function setCsrf(token) { csrf = token || ""; }

export function isAbort(e) { return !!e && e.name === "AbortError"; }

export async function api(method, path, body, signal) {
  const headers = {"Accept": "application/json"};
  if (body !== undefined) { headers["Content-Type"] = "application/json"; }
  if (method !== "GET") { headers["X-CSRF-Token"] = csrf; }
  let resp;
  try {
    resp = await fetch(path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal,
    });
  } catch (e) {
    if (isAbort(e)) { throw e; }
    throw new ApiError(0, t("ui.offline"), null);
  }
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (!resp.ok) {
    const message = data && typeof data.error === "string" && data.error ? data.error : t("ui.failed");
    throw new ApiError(resp.status, message, data);
  }
  return data || {};
}
