// Small DOM and formatting helpers shared by the pages.

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

export function pct(share) {
  return share === null || share === undefined || Number.isNaN(share) ? "—" : `${Math.round(share * 100)}%`;
}

/** "10:42" in the viewer's clock, from epoch seconds. */
export function clock(t, withSeconds = false) {
  if (!t) return "";
  const options = { hour: "2-digit", minute: "2-digit" };
  if (withSeconds) options.second = "2-digit";
  return new Date(t * 1000).toLocaleTimeString([], options);
}

/** "just now", "3 min ago", "1 h ago" from epoch seconds. */
export function ago(t, now = Date.now() / 1000) {
  if (!t) return "";
  const s = Math.max(0, Math.round(now - t));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.round(m / 60)} h ago`;
}

/** "12 s", "3 min": a duration in seconds for people. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
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
