// The server renders report times in its own time zone; the charts draw in the viewer's. Rewrite every
// <time data-local="time|datetime"> into the viewer's clock so tables and charts agree, written in the page's
// locale (i18n.js: "hi" writes the weekday and month in Hindi).
import { LOCALE } from "./i18n.js";
import { clock } from "./util.js";

export function localizeTimes(root = document) {
  for (const el of root.querySelectorAll("time[data-local]")) {
    const ms = Date.parse(el.getAttribute("datetime"));
    if (Number.isNaN(ms)) continue;
    if (el.dataset.local === "time") {
      el.textContent = clock(ms / 1000, true);
    } else {
      el.textContent = new Date(ms).toLocaleString(LOCALE, {
        weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
      });
    }
  }
}
