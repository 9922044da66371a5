// The student gallery: one tile per student, updated in place so focus and layout stay put.
import { EMOTION_COLORS, emotionLabel } from "../emotions.js";
import { FLAG_LABELS, QUALITY_LABELS, STATUS_LABELS, VOICE_LABELS } from "../labels.js";
import { ago, duration, h, pct, setText } from "../util.js";

const SVG = "http://www.w3.org/2000/svg";

export function isActiveFlag(flag) {
  return !flag.cleared_at && !flag.dismissed;
}

function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

/** A stable, calm hue per student for the avatar, from their id. */
function avatarHue(id) {
  return (Number(id) * 47) % 360;
}

/**
 * Draw tile.sparkline ([[t, value], ...]) as an SVG polyline. Values are 0-1 (confidence)
 * or 0-100 (engagement); the scale is inferred from the data.
 */
export function drawSparkline(svg, series) {
  const points = (series || []).filter((p) => Array.isArray(p) && p[1] !== null && p[1] !== undefined);
  svg.replaceChildren();
  const width = 120;
  const height = 32;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const baseline = document.createElementNS(SVG, "line");
  baseline.setAttribute("x1", "0");
  baseline.setAttribute("x2", String(width));
  baseline.setAttribute("y1", String(height - 1));
  baseline.setAttribute("y2", String(height - 1));
  baseline.setAttribute("class", "spark__base");
  svg.append(baseline);
  if (points.length < 2) return null;
  const max = points.some((p) => p[1] > 1) ? 100 : 1;
  const t0 = points[0][0];
  const span = Math.max(1, points[points.length - 1][0] - t0);
  const coords = points.map(([t, v]) => {
    const x = ((t - t0) / span) * width;
    const y = height - 2 - (Math.min(max, Math.max(0, v)) / max) * (height - 4);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const area = document.createElementNS(SVG, "polygon");
  area.setAttribute("points", `0,${height} ${coords.join(" ")} ${width},${height}`);
  area.setAttribute("class", "spark__area");
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coords.join(" "));
  line.setAttribute("class", "spark__line");
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(area, line);
  const first = points[0][1] / max;
  const last = points[points.length - 1][1] / max;
  const trend = last - first > 0.1 ? "rising" : first - last > 0.1 ? "falling" : "steady";
  return { trend, last: Math.round(last * 100) };
}

export class Gallery {
  /**
   * @param {HTMLElement} list the <ul> that holds the tiles
   * @param {object} options {emotionEnabled, onDismiss(flagId, button)}
   */
  constructor(list, { emotionEnabled, onDismiss }) {
    this.list = list;
    this.emotionEnabled = emotionEnabled;
    this.onDismiss = onDismiss;
    this.tiles = new Map(); // id -> {el, refs, data}
  }

  clear() {
    this.tiles.clear();
    this.list.replaceChildren();
  }

  get size() {
    return this.tiles.size;
  }

  /** Add or update one student's tile; flags are the student's active flags. */
  upsert(tile, flags) {
    let entry = this.tiles.get(tile.id);
    if (!entry) {
      entry = this._create(tile);
      this.tiles.set(tile.id, entry);
      this._insertSorted(entry);
    } else if (entry.data.name !== tile.name) {
      entry.data = tile;
      this._insertSorted(entry);
    }
    entry.data = tile;
    this._update(entry, flags);
  }

  /** Take one student's tile off (they deleted their data). */
  remove(participantId) {
    this.tiles.get(participantId)?.el.remove();
    this.tiles.delete(participantId);
  }

  /** Re-render only the flags of one student (after flag.raised / flag.cleared). */
  setFlags(participantId, flags) {
    const entry = this.tiles.get(participantId);
    if (entry) this._update(entry, flags);
  }

  /** Refresh the "2 min ago" texts. */
  tick() {
    for (const entry of this.tiles.values()) {
      const report = entry.data.last_report;
      if (report) setText(entry.refs.reportWhen, ago(report.t));
    }
  }

  _insertSorted(entry) {
    const name = String(entry.data.name || "").toLocaleLowerCase();
    const after = [...this.tiles.values()]
      .filter((other) => other !== entry && other.el.isConnected)
      .find((other) => String(other.data.name || "").toLocaleLowerCase().localeCompare(name) > 0);
    this.list.insertBefore(entry.el, after ? after.el : null);
  }

  _create(tile) {
    const id = tile.id;
    const nameId = `student-${id}-name`;
    const refs = {};
    refs.avatar = h("span", { class: "avatar", "aria-hidden": "true" }, initials(tile.name));
    refs.avatar.style.setProperty("--avatar-hue", String(avatarHue(id)));
    refs.name = h("h3", { class: "tile__name", id: nameId });
    refs.badge = h("span", { class: "badge" });
    refs.reason = h("p", { class: "tile__reason", hidden: true });
    refs.snapshot = h("img", { class: "tile__snapshot", alt: "", hidden: true, width: "320", height: "240" });

    refs.emotionLabel = h("span", { class: "tile__emotion-label" });
    refs.swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    refs.confidence = h("span", { class: "tile__confidence" });
    refs.confFill = h("span", { class: "meter__fill" });
    refs.emotion = h("div", { class: "tile__emotion" },
      h("p", { class: "tile__emotion-row" }, refs.swatch, refs.emotionLabel, refs.confidence),
      h("span", { class: "meter meter--thin", "aria-hidden": "true" }, refs.confFill));
    refs.attention = h("p", { class: "tile__attention" });

    refs.spark = document.createElementNS(SVG, "svg");
    refs.spark.setAttribute("class", "spark");
    refs.spark.setAttribute("aria-hidden", "true");
    refs.sparkText = h("span", { class: "visually-hidden" });
    refs.engagement = h("span", { class: "tile__trend-value" });

    refs.flags = h("ul", { class: "tile__flags", "aria-label": `Flags for ${tile.name}` });
    refs.reportKind = h("strong");
    refs.reportText = h("q", { class: "tile__report-text" });
    refs.reportWhen = h("span", { class: "muted" });
    refs.report = h("p", { class: "tile__report", hidden: true }, refs.reportKind, " ", refs.reportText, " ", refs.reportWhen);

    const el = h("li", { class: "tile", id: `student-${id}`, "aria-labelledby": nameId },
      refs.snapshot,
      h("div", { class: "tile__head" }, refs.avatar, h("div", { class: "tile__who" }, refs.name, refs.badge)),
      refs.reason,
      refs.emotion,
      refs.attention,
      h("div", { class: "tile__trend" },
        h("p", { class: "tile__trend-label" }, "Engagement ", refs.engagement),
        refs.spark, refs.sparkText),
      refs.flags,
      refs.report);
    el.tabIndex = -1; // so "Needs a look" links can move focus to the tile
    return { el, refs, data: tile };
  }

  _update(entry, flags) {
    const { el, refs, data: tile } = entry;
    const status = tile.status || "waiting";
    el.className = `tile tile--${status}${flags.length ? " tile--flagged" : ""}`;
    setText(refs.name, tile.name);
    setText(refs.badge, STATUS_LABELS[status] || status);
    refs.badge.className = `badge badge--status-${status}`;

    // Why we cannot see the student, in the server's words when it gave any.
    let reason = "";
    if (status === "cant_see" || status === "no_face") {
      reason = tile.quality_hint || QUALITY_LABELS[tile.quality] || "";
    } else if (status === "disconnected" && tile.last_seen) {
      reason = `Last seen ${ago(tile.last_seen)}`;
    }
    setText(refs.reason, reason);
    refs.reason.hidden = !reason;

    if (tile.snapshot) {
      if (refs.snapshot.getAttribute("src") !== tile.snapshot) refs.snapshot.src = tile.snapshot;
      refs.snapshot.alt = `Latest snapshot of ${tile.name}`;
      refs.snapshot.hidden = false;
    } else {
      refs.snapshot.hidden = true;
      refs.snapshot.removeAttribute("src");
    }

    const showEmotion = this.emotionEnabled && !!tile.emotion && (status === "live");
    refs.emotion.hidden = !showEmotion;
    if (showEmotion) {
      setText(refs.emotionLabel, emotionLabel(tile.emotion));
      setText(refs.confidence, tile.confidence !== null && tile.confidence !== undefined ? `${pct(tile.confidence)} sure` : "");
      const color = EMOTION_COLORS[tile.emotion] || "var(--muted)";
      refs.swatch.style.background = color;
      refs.confFill.style.width = pct(tile.confidence ?? 0);
      refs.confFill.style.background = color;
    }

    const attention = this._attentionText(tile.attention, status);
    refs.attention.hidden = !attention || (showEmotion && !this._attentionWorrying(tile.attention));
    setText(refs.attention, attention);

    const spark = drawSparkline(refs.spark, tile.sparkline);
    setText(refs.sparkText, spark ? `Trend ${spark.trend}.` : "");
    const engagement = tile.engagement ?? (spark ? spark.last : null);
    setText(refs.engagement, engagement === null || engagement === undefined ? "—" : String(Math.round(engagement)));

    this._renderFlags(entry, flags);

    const report = tile.last_report;
    refs.report.hidden = !report;
    if (report) {
      setText(refs.reportKind, VOICE_LABELS[report.kind] || report.kind);
      setText(refs.reportText, report.text || "");
      refs.reportText.hidden = !report.text;
      setText(refs.reportWhen, ago(report.t));
    }
  }

  _attentionWorrying(attention) {
    if (!attention) return false;
    return attention.visible === false || attention.focused === false || (attention.idle_s ?? 0) >= 60;
  }

  _attentionText(attention, status) {
    if (!attention || status === "disconnected") return "";
    const parts = [];
    if (attention.visible === false) parts.push("Class tab hidden");
    else if (attention.visible === true) parts.push("Tab visible");
    if (attention.focused === false && attention.visible !== false) parts.push("another window focused");
    else if (attention.focused === true) parts.push("focused");
    if (attention.idle_s !== null && attention.idle_s !== undefined) {
      parts.push(attention.idle_s < 5 ? "active now" : `idle ${duration(attention.idle_s)}`);
    }
    return parts.join(" · ");
  }

  _renderFlags(entry, flags) {
    const { refs, data: tile } = entry;
    // Keyed by kind: a student has at most one current flag of each kind, and its id may come later.
    const wanted = new Map(flags.map((f) => [`${f.kind}:${f.id ?? ""}`, f]));
    for (const li of [...refs.flags.children]) {
      if (!wanted.has(li.dataset.flagKey)) {
        const hadFocus = li.contains(document.activeElement);
        li.remove();
        if (hadFocus) entry.el.focus();
      }
    }
    for (const flag of flags) {
      const key = `${flag.kind}:${flag.id ?? ""}`;
      let li = [...refs.flags.children].find((el) => el.dataset.flagKey === key);
      if (!li) {
        let button = null;
        if (flag.id) {
          button = h("button", { type: "button", class: "button button--small button--quiet" },
            "Dismiss", h("span", { class: "visually-hidden" }, ` ${FLAG_LABELS[flag.kind] || flag.kind} flag for ${tile.name}`));
          button.addEventListener("click", () => this.onDismiss(flag.id, button));
        }
        li = h("li", { class: `flag flag--${flag.kind}`, dataset: { flagKey: key } },
          h("p", { class: "flag__text" },
            h("strong", { class: "flag__kind" }, FLAG_LABELS[flag.kind] || flag.kind),
            " ",
            h("span", { class: "flag__why" }, flag.explanation || "")),
          button);
        refs.flags.append(li);
      } else {
        setText(li.querySelector(".flag__why"), flag.explanation || "");
      }
    }
    refs.flags.hidden = flags.length === 0;
  }
}
