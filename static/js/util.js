// Small DOM and formatting helpers shared by the pages. Numbers, times and durations come out in the reader's
// language and locale (i18n.js).
import { LOCALE, format, gettext, graphemes, ngettext } from "./i18n.js";

/** document.createElement with attributes, properties and children in one call. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Read a {{ value|json_script:"id" }} element; fallback when it is missing or broken. */
export function readJSON(id, fallback = null) {
  const el = document.getElementById(id);
  if (!el) return fallback;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return fallback;
  }
}

/**
 * Text that goes into a Plotly chart (hover text, tick labels): Plotly reads <b>, <br>, <a href> and the like in
 * them as markup, so a name or note typed by a student must not carry any. Plotly turns the entities back into
 * the characters they stand for, so the text shows exactly as typed.
 */
export function plotlyText(text) {
  return String(text ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Set textContent only when it changed (keeps screen readers and layout calm). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/** "42%" (in the reader's locale: "42%" or "४२%"), or "—" when unknown. */
export function pct(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return "—";
  return new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 0 }).format(share);
}

/** "10:42" in the viewer's clock and locale, from epoch seconds. */
export function clock(t, withSeconds = false) {
  if (!t) return "";
  const options = { hour: "2-digit", minute: "2-digit" };
  if (withSeconds) options.second = "2-digit";
  return new Date(t * 1000).toLocaleTimeString(LOCALE, options);
}

/** "just now", "3 min ago", "1 h ago" from epoch seconds. */
export function ago(t, now = Date.now() / 1000) {
  if (!t) return "";
  const s = Math.max(0, Math.round(now - t));
  if (s < 10) return gettext("just now");
  const number = (n) => new Intl.NumberFormat(LOCALE).format(n);
  if (s < 60) return format(ngettext("%(n)s s ago", "%(n)s s ago", s), { n: number(s) });
  const m = Math.round(s / 60);
  if (m < 60) return format(ngettext("%(n)s min ago", "%(n)s min ago", m), { n: number(m) });
  const hours = Math.round(m / 60);
  return format(ngettext("%(n)s h ago", "%(n)s h ago", hours), { n: number(hours) });
}

/** "12 s", "3 min", "1 h 05 min": a duration in seconds for people (as the report's `duration` filter). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const number = (n) => new Intl.NumberFormat(LOCALE).format(n);
  const s = Math.round(seconds);
  if (s < 60) return format(gettext("%(s)s s"), { s: number(s) });
  const m = Math.round(s / 60);
  if (m < 60) return format(gettext("%(m)s min"), { m: number(m) });
  return format(gettext("%(h)s h %(m)s min"), { h: number(Math.floor(m / 60)), m: String(m % 60).padStart(2, "0") });
}

/** "40 s", "2 min", "2 min 10 s": how long a flag's condition lasted, as engagement/explanations.py writes it. */
export function spanText(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 90) return format(gettext("%(seconds)s s"), { seconds: total });
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  if (rest === 0) return format(ngettext("%(minutes)s min", "%(minutes)s min", minutes), { minutes });
  return format(gettext("%(minutes)s min %(seconds)s s"), { minutes, seconds: rest });
}

/** A polite, visually hidden announcer for screen readers. */
export function announcer(el) {
  let timer = null;
  return (message) => {
    if (!el) return;
    clearTimeout(timer);
    // Clearing first makes the same sentence be announced again.
    el.textContent = "";
    timer = setTimeout(() => { el.textContent = message; }, 60);
  };
}

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // http on a LAN: the async clipboard API is unavailable, fall back to a hidden textarea.
  const area = h("textarea", { class: "visually-hidden", readonly: true, "aria-hidden": "true", tabindex: "-1" });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy failed");
}

/** Up to two initials of a name, whole characters each (an emoji or a Devanagari conjunct is never cut in half):
 * the first letters of the first and last words, or the first two of a single word. */
export function initials(name) {
  const words = String(name ?? "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  const first = (word) => graphemes(word)[0] || "";
  const letters = words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : graphemes(words[0]).slice(0, 2).join("");
  return letters.toLocaleUpperCase(LOCALE);
}

/** Plotly reads date strings without a zone as they are: give it the viewer's wall time for a Unix time t. */
export function localDate(t) {
  const d = new Date(t * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
