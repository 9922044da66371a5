// The student gallery: one tile per student, updated in place so focus and layout stay put.
import { EMOTION_COLORS, emotionLabel } from "../emotions.js";
import { format, gettext } from "../i18n.js";
import { QUALITY_LABELS, STATUS_LABELS, VOICE_LABELS } from "../labels.js";
import { explanationText, flagLabel } from "../explanations.js";
import { ago, duration, h, initials, pct, setText } from "../util.js";
import { NeedOrder, needGroup } from "./order.js";

const SVG = "http://www.w3.org/2000/svg";
const TRENDS = { rising: gettext("rising"), falling: gettext("falling"), steady: gettext("steady") };

export function isActiveFlag(flag) {
  return !flag.cleared_at && !flag.dismissed;
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

/** The line under a student's name: why they need a look (their flags), or their status. */
export function tileState(tile, flags) {
  if (flags.length) return flags.map((flag) => flagLabel(flag)).join(" · ");
  return STATUS_LABELS[tile.status || "waiting"] || tile.status;
}

/** Why: the first flag's explanation, why the camera can't see the student, or when they were last seen. */
export function tileReason(tile, flags) {
  const status = tile.status || "waiting";
  if (flags.length) return flags.map((flag) => explanationText(flag)).filter(Boolean).join(" ");
  if (status === "cant_see" || status === "no_face") return tile.quality_hint || QUALITY_LABELS[tile.quality] || "";
  if (status === "disconnected" && tile.last_seen) return format(gettext("Last seen %(ago)s"), { ago: ago(tile.last_seen) });
  return "";
}

export class Gallery {
  /**
   * @param {HTMLElement} list the <ul> that holds the tiles
   * @param {object} options {emotionEnabled, onDismiss(flagId, button), onOrder()}
   */
  constructor(list, { emotionEnabled, onDismiss, onOrder = () => {} }) {
    this.list = list;
    this.emotionEnabled = emotionEnabled;
    this.onDismiss = onDismiss;
    this.onOrder = onOrder;
    this.tiles = new Map(); // id -> {el, refs, data, flags}
    this.order = new NeedOrder();
    this.onScreen = () => true; // whether a tile is on screen (thumbs.js): a late thumbnail for one that left is dropped
  }

  clear() {
    this.tiles.clear();
    this.order.clear();
    this.list.replaceChildren();
  }

  get size() {
    return this.tiles.size;
  }

  /** Add or update one student's tile; flags are the student's active flags. */
  upsert(tile, flags) {
    let entry = this.tiles.get(tile.id);
    const created = !entry;
    if (!entry) {
      entry = this._create(tile);
      this.tiles.set(tile.id, entry);
    }
    const renamed = entry.data.name !== tile.name;
    entry.data = tile;
    entry.flags = flags;
    this._update(entry, flags);
    const moved = this.order.update(tile.id, needGroup(tile.status, flags.length > 0), performance.now());
    if (created || renamed || moved) this._reorder();
  }

  /** Take one student's tile off (they deleted their data). */
  remove(participantId) {
    this.tiles.get(participantId)?.el.remove();
    this.tiles.delete(participantId);
    this.order.remove(participantId);
  }

  /** Re-render only the flags of one student (after flag.raised / flag.cleared). */
  setFlags(participantId, flags) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    entry.flags = flags;
    this._update(entry, flags);
    if (this.order.update(participantId, needGroup(entry.data.status, flags.length > 0), performance.now())) this._reorder();
  }

  /** The students in the order they are shown (the attention strip follows it). */
  ordered() {
    return [...this.tiles.values()].sort((a, b) => this.order.compare(a.data, b.data));
  }

  /** One tile's thumbnail (id given) or every one gone: the tile shows its initials again. */
  dropThumbnails(id) {
    const entries = id === undefined ? [...this.tiles.values()] : [this.tiles.get(id)].filter(Boolean);
    for (const { refs } of entries) {
      refs.snapshot.hidden = true;
      refs.snapshot.removeAttribute("src");
      refs.avatar.hidden = false;
    }
  }

  /** Every second or so: let calmer students drop back once their hold is over. */
  settle() {
    if (this.order.due(performance.now())) this._reorder();
  }

  /** Refresh the "2 min ago" texts. */
  tick() {
    for (const entry of this.tiles.values()) {
      const report = entry.data.last_report;
      if (report) setText(entry.refs.reportWhen, ago(report.t));
      if (entry.data.status === "disconnected") setText(entry.refs.reason, tileReason(entry.data, entry.flags || []));
    }
  }

  /** Move only the tiles that are out of place, and give focus back if a move took it. */
  _reorder() {
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    let cursor = this.list.firstElementChild;
    for (const entry of this.ordered()) {
      entry.el.dataset.group = String(this.order.group(entry.data.id));
      if (entry.el === cursor) cursor = cursor.nextElementSibling;
      else this.list.insertBefore(entry.el, cursor);
    }
    if (focused && document.activeElement !== focused && focused.isConnected) focused.focus({ preventScroll: true });
    this.onOrder();
  }

  _create(tile) {
    const id = tile.id;
    const nameId = `student-${id}-name`;
    const refs = {};
    refs.avatar = h("span", { class: "avatar", "aria-hidden": "true" }, initials(tile.name));
    refs.avatar.style.setProperty("--avatar-hue", String(avatarHue(id)));
    refs.snapshot = h("img", { class: "tile__snapshot", alt: "", hidden: true, width: "96", height: "72", decoding: "async" });
    refs.name = h("h3", { class: "tile__name", id: nameId, dir: "auto" });
    refs.state = h("span", { class: "tile__state-label" });
    refs.score = h("span", { class: "tile__score", title: gettext("Engagement, 0 to 100") });
    refs.reason = h("p", { class: "tile__reason", hidden: true, dir: "auto" });

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

    refs.flags = h("ul", { class: "tile__flags", "aria-label": format(gettext("Flags for %(name)s"), { name: tile.name }) });
    refs.reportKind = h("strong");
    refs.reportText = h("q", { class: "tile__report-text", dir: "auto" });
    refs.reportWhen = h("span", { class: "muted" });
    refs.report = h("p", { class: "tile__report", hidden: true, dir: "auto" }, refs.reportKind, " ", refs.reportText, " ", refs.reportWhen);

    const el = h("li", { class: "tile", id: `student-${id}`, "aria-labelledby": nameId, tabindex: "0", title: tile.name, dataset: { studentId: String(id) } },
      h("div", { class: "tile__head" },
        refs.snapshot, refs.avatar,
        h("div", { class: "tile__who" }, refs.name, h("p", { class: "tile__state" }, refs.state, refs.score))),
      refs.reason,
      refs.report,
      h("div", { class: "tile__details" },
        refs.emotion,
        refs.attention,
        h("div", { class: "tile__trend" },
          h("p", { class: "tile__trend-label" }, gettext("Engagement"), " ", refs.engagement),
          refs.spark, refs.sparkText),
        refs.flags));
    return { el, refs, data: tile, flags: [] };
  }

  _update(entry, flags) {
    const { el, refs, data: tile } = entry;
    const status = tile.status || "waiting";
    el.className = `tile tile--${status}${flags.length ? " tile--flagged" : ""}`;
    setText(refs.name, tile.name);
    el.title = tile.name;
    setText(refs.state, tileState(tile, flags));
    const reason = tileReason(tile, flags);
    setText(refs.reason, reason);
    refs.reason.hidden = !reason;

    if (tile.snapshot && this.onScreen(tile.id)) {
      if (refs.snapshot.getAttribute("src") !== tile.snapshot) refs.snapshot.src = tile.snapshot;
      refs.snapshot.alt = format(gettext("Latest snapshot of %(name)s"), { name: tile.name });
      refs.snapshot.hidden = false;
      refs.avatar.hidden = true;
    } else if (!refs.snapshot.hidden && (status === "disconnected" || tile.snapshot === null)) {
      // No picture while the student is gone or when the teacher turned thumbnails off; otherwise the last
      // thumbnail stays until the next one (the server sends them only at the chosen rate).
      refs.snapshot.hidden = true;
      refs.snapshot.removeAttribute("src");
      refs.avatar.hidden = false;
    }

    const showEmotion = this.emotionEnabled && !!tile.emotion && (status === "live");
    refs.emotion.hidden = !showEmotion;
    if (showEmotion) {
      setText(refs.emotionLabel, emotionLabel(tile.emotion));
      setText(refs.confidence, tile.confidence !== null && tile.confidence !== undefined ? format(gettext("%(share)s sure"), { share: pct(tile.confidence) }) : "");
      const color = EMOTION_COLORS[tile.emotion] || "var(--muted)";
      refs.swatch.style.background = color;
      refs.confFill.style.width = pct(tile.confidence ?? 0);
      refs.confFill.style.background = color;
    }

    const attention = this._attentionText(tile.attention, status);
    refs.attention.hidden = !attention || (showEmotion && !this._attentionWorrying(tile.attention));
    setText(refs.attention, attention);

    const spark = drawSparkline(refs.spark, tile.sparkline);
    setText(refs.sparkText, spark ? format(gettext("Trend %(trend)s."), { trend: TRENDS[spark.trend] }) : "");
    // No score without readings: the server sends null (or "-"), and so does the tile.
    const score = typeof tile.engagement === "number" ? String(Math.round(tile.engagement)) : "—";
    setText(refs.engagement, score);
    setText(refs.score, score);
    refs.score.hidden = score === "—" || status === "disconnected";

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
    if (attention.visible === false) parts.push(gettext("Class tab hidden"));
    else if (attention.visible === true) parts.push(gettext("Tab visible"));
    if (attention.focused === false && attention.visible !== false) parts.push(gettext("another window focused"));
    else if (attention.focused === true) parts.push(gettext("focused"));
    if (attention.idle_s !== null && attention.idle_s !== undefined) {
      parts.push(attention.idle_s < 5 ? gettext("active now") : format(gettext("idle %(duration)s"), { duration: duration(attention.idle_s) }));
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
      const label = flagLabel(flag);
      let li = [...refs.flags.children].find((el) => el.dataset.flagKey === key);
      if (!li) {
        let button = null;
        if (flag.id) {
          button = h("button", { type: "button", class: "button button--small button--quiet" },
            gettext("Dismiss"), h("span", { class: "visually-hidden" }, " " + format(gettext("%(flag)s flag for %(name)s"), { flag: label, name: tile.name })));
          button.addEventListener("click", () => this.onDismiss(flag.id, button));
        }
        li = h("li", { class: `flag flag--${flag.kind}`, dataset: { flagKey: key } },
          h("p", { class: "flag__text" },
            h("strong", { class: "flag__kind" }, label),
            " ",
            h("span", { class: "flag__why", dir: "auto" }, explanationText(flag))),
          button);
        refs.flags.append(li);
      } else {
        setText(li.querySelector(".flag__kind"), label);
        setText(li.querySelector(".flag__why"), explanationText(flag));
      }
    }
    refs.flags.hidden = flags.length === 0;
  }
}
