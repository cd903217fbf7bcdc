// Opt-in signals for new escalations: a desktop notification (Notification API, asked for only after the agent's
// click) and a short sound made with WebAudio (no file). Both are off until switched on; the choice is kept in this
// browser. A notification names the reason and urgency, never what the person wrote (it may show on a lock screen).

import {t} from "../staff/i18n.js";
import {el} from "./state.js";

const KEY = {desktop: "sd-console-alert-desktop", sound: "sd-console-alert-sound"};
const on = {desktop: false, sound: false};
const QUIET_MS = 3000;  // several requests arriving together: one sound
let audio = null;
let lastBeep = 0;

function stored(name) {
  try { return window.localStorage.getItem(KEY[name]) === "on"; } catch (_) { return false; }
}

function store(name, value) {
  try { window.localStorage.setItem(KEY[name], value ? "on" : "off"); } catch (_) { /* private mode: not kept */ }
}

function canNotify() { return typeof window.Notification === "function"; }

function show() {
  el.alertDesktop.setAttribute("aria-pressed", String(on.desktop));
  el.alertSound.setAttribute("aria-pressed", String(on.sound));
}

function say(key) { el.alertsStatus.textContent = key ? t(key) : ""; }

// Browsers start audio only after a user gesture: the context is made (or resumed) inside a click.
function audioContext() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) { return null; }
  if (!audio) { audio = new Ctx(); }
  if (audio.state === "suspended") { audio.resume().catch(function () { /* no sound this time */ }); }
  return audio;
}

function beep() {
  const ctx = audioContext();
  if (!ctx) { return; }
  [0, 0.18].forEach(function (start, i) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = i === 0 ? 880 : 660;
    const at = ctx.currentTime + start;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.16);
  });
}

async function toggleDesktop() {
  if (on.desktop) {
    on.desktop = false;
    store("desktop", false);
    say("ui.console.alerts_desktop_off");
  } else if (!canNotify()) {
    say("ui.console.alerts_unsupported");
  } else {
    let permission = window.Notification.permission;
    if (permission === "default") { permission = await window.Notification.requestPermission(); }
    on.desktop = permission === "granted";
    store("desktop", on.desktop);
    say(on.desktop ? "ui.console.alerts_desktop_on" : "ui.console.alerts_blocked");
  }
  show();
}

function toggleSound() {
  on.sound = !on.sound;
  store("sound", on.sound);
  if (on.sound) { beep(); }  // the click starts the audio context and lets the agent hear the signal once
  say(on.sound ? "ui.console.alerts_sound_on" : "ui.console.alerts_sound_off");
  show();
}

// A new waiting escalation arrived by long-poll: signal it, if the agent asked for that.
export function alertNew(entry, open) {
  if (on.sound && Date.now() - lastBeep > QUIET_MS) {
    lastBeep = Date.now();
    beep();
  }
  if (!on.desktop || !canNotify() || window.Notification.permission !== "granted") { return; }
  const parts = [entry.reason_label || entry.reason || ""];
  if (entry.urgency_label) { parts.push(t("ui.console.urgency", {text: entry.urgency_label})); }
  try {
    const note = new window.Notification(t("ui.console.alert_title", {id: entry.id}), {
      body: parts.filter(Boolean).join(" · "),
      tag: "sd-escalation-" + entry.id,
    });
    note.onclick = function () {
      window.focus();
      open();
      note.close();
    };
  } catch (_) {
    /* some browsers allow notifications only from a service worker: the live region still announces it */
  }
}

export function wireAlerts() {
  on.desktop = stored("desktop") && canNotify() && window.Notification.permission === "granted";
  on.sound = stored("sound");
  if (on.sound) {  // kept from an earlier visit: the audio may start only with this page's first click
    document.addEventListener("click", function () { audioContext(); }, {once: true});
  }
  show();
  el.alertDesktop.addEventListener("click", function () { toggleDesktop(); });
  el.alertSound.addEventListener("click", toggleSound);
}
