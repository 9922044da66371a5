// The class timeline: a live Plotly chart over the whole session that a teacher can act on.
//
// Top:    engagement, attention and "face in view" (0-100); with the expression toggle on (and emotion estimates
//         on), the seven expressions' shares as stacked areas above them.
// Below:  one row per kind of moment: confused flags, then each student-voice tap kind ("I'm confused",
//         "Too fast", ...), every tap marked at its time.
import { EMOTIONS, EMOTION_COLORS, EMOTION_LABELS } from "../emotions.js";
import { explanationText } from "../explanations.js";
import { LOCALE, format, gettext } from "../i18n.js";
import { VOICE_KINDS, VOICE_LABELS } from "../labels.js";
import { clock, localDate, plotlyText, setText } from "../util.js";

// One colour and symbol per tap kind (Okabe-Ito; the row's label says the kind, never the colour alone).
const VOICE_MARKERS = {
  confused: { color: "#B42318", symbol: "diamond" },
  too_fast: { color: "#7A4BD0", symbol: "triangle-right" },
  too_slow: { color: "#0072B2", symbol: "triangle-left" },
  all_good: { color: "#009E73", symbol: "circle" },
  raise_hand: { color: "#E69F00", symbol: "star" },
};
const CONFUSED_FLAG = { color: "#D55E00", symbol: "square" };
const LINE_COLORS = { engagement: "#2F55D4", attention: "#475467", present: "#009E73" };
const MIN_RENDER_GAP_MS = 800;
const NARROW_PX = 640;

export class Timeline {
  /**
   * @param {HTMLElement} el the chart's box
   * @param {object} options {emotionEnabled, summaryEl, showShares (the expression toggle's state)}
   */
  constructor(el, { emotionEnabled, summaryEl, showShares = false }) {
    this.el = el;
    this.summaryEl = summaryEl;
    this.emotionEnabled = emotionEnabled;
    this.showShares = showShares;
    this.points = [];
    this.voice = [];
    this.flags = new Map(); // "participant:raised_at" -> confused flag
    this.revision = 0;
    this.pending = false;
    this.lastRender = 0;
    this.available = typeof window.Plotly !== "undefined";
    if (!this.available) {
      el.classList.add("timeline__chart--missing");
      el.textContent = gettext("The chart could not be loaded; the numbers above still update live.");
    }
  }

  setEmotionEnabled(enabled) {
    if (enabled === this.emotionEnabled) return;
    this.emotionEnabled = enabled;
    this.schedule();
  }

  setShowShares(show) {
    this.showShares = show;
    this.schedule();
  }

  setPoints(points) {
    this.points = [...(points || [])].sort((a, b) => a.t - b.t);
    this.schedule();
  }

  /** Append a bucket, or replace the last one when it has the same start time. */
  addPoint(point) {
    const last = this.points[this.points.length - 1];
    if (last && last.t === point.t) this.points[this.points.length - 1] = point;
    else if (last && point.t < last.t) {
      const i = this.points.findIndex((p) => p.t === point.t);
      if (i >= 0) this.points[i] = point;
      else this.setPoints([...this.points, point]);
      return;
    } else this.points.push(point);
    this.schedule();
  }

  setVoice(reports) {
    this.voice = (reports || []).filter((r) => r.kind in VOICE_MARKERS);
    this.schedule();
  }

  addVoice(report) {
    if (!(report.kind in VOICE_MARKERS)) return;
    this.voice.push(report);
    this.schedule();
  }

  /** A confused flag (raised at `raised_at`, by `name`): marked on its row; other kinds are the tiles' business. */
  addFlag(flag) {
    if (flag.kind !== "confused" || !flag.raised_at) return;
    const key = `${flag.participant_id}:${flag.raised_at}`;
    if (this.flags.has(key)) return;
    this.flags.set(key, flag);
    this.schedule();
  }

  /** Render at most about once a second, however fast points arrive. */
  schedule() {
    this._summarize();
    if (!this.available || this.pending) return;
    this.pending = true;
    const wait = Math.max(0, MIN_RENDER_GAP_MS - (performance.now() - this.lastRender));
    setTimeout(() => requestAnimationFrame(() => {
      this.pending = false;
      this.lastRender = performance.now();
      this._render();
    }), wait);
  }

  get _shares() {
    return this.emotionEnabled && this.showShares;
  }

  _summarize() {
    const last = this.points[this.points.length - 1];
    if (!last) {
      setText(this.summaryEl, gettext("Waiting for the first readings…"));
      return;
    }
    const parts = [];
    if (this._shares && last.shares) {
      const top = Object.entries(last.shares)
        .filter(([, share]) => share > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([emotion, share]) => `${EMOTION_LABELS[emotion] || emotion} ${Math.round(share * 100)}%`);
      if (top.length) parts.push(top.join(", "));
    }
    if (typeof last.engagement === "number") parts.push(format(gettext("engagement %(n)s"), { n: Math.round(last.engagement) }));
    if (typeof last.attention === "number") parts.push(format(gettext("attention %(n)s"), { n: Math.round(last.attention) }));
    parts.push(format(gettext("%(present)s of %(connected)s in view"), { present: last.present ?? 0, connected: last.connected ?? 0 }));
    const since = last.t - 600;
    const taps = this.voice.filter((r) => r.t >= since && r.kind === "confused").length;
    const flagged = [...this.flags.values()].filter((f) => f.raised_at >= since).length;
    if (taps || flagged) parts.push(format(gettext("confused in the last 10 min: %(taps)s taps, %(flags)s flags"), { taps, flags: flagged }));
    setText(this.summaryEl, format(gettext("At %(time)s: %(parts)s."), { time: clock(last.t), parts: parts.join(" · ") }));
  }

  /** The rows of moments, top to bottom: confused flags, then each tap kind. */
  _rows() {
    return [gettext("Confused flag"), ...VOICE_KINDS.filter((k) => k in VOICE_MARKERS).map((k) => VOICE_LABELS[k] || k)];
  }

  _traces() {
    const x = this.points.map((p) => localDate(p.t));
    const traces = [];
    if (this._shares) {
      for (const emotion of EMOTIONS) {
        traces.push({
          type: "scatter",
          mode: "lines",
          name: EMOTION_LABELS[emotion],
          x,
          y: this.points.map((p) => (p.shares && p.shares[emotion]) || 0),
          yaxis: "y4",
          stackgroup: "mood",
          line: { width: 0.5, color: EMOTION_COLORS[emotion] },
          fillcolor: EMOTION_COLORS[emotion],
          hovertemplate: `${plotlyText(EMOTION_LABELS[emotion])}: %{y:.0%}<extra></extra>`,
          legendgroup: "mood",
        });
      }
    }
    const line = (key, name, values, dash) => ({
      type: "scatter",
      mode: "lines",
      name,
      x,
      y: values,
      connectgaps: false,
      line: { width: 2, color: LINE_COLORS[key], dash },
      hovertemplate: `${plotlyText(name)}: %{y:.0f}<extra></extra>`,
      legendgroup: "lines",
    });
    traces.push(line("engagement", gettext("Engagement"), this.points.map((p) => p.engagement ?? null), "solid"));
    traces.push(line("attention", gettext("Attention"), this.points.map((p) => p.attention ?? null), "dot"));
    traces.push(line("present", gettext("Face in view (%)"),
      this.points.map((p) => (p.connected ? Math.round((100 * (p.present || 0)) / p.connected) : null)), "dash"));

    const rows = this._rows();
    const flags = [...this.flags.values()];
    traces.push({
      type: "scatter",
      mode: "markers",
      name: rows[0],
      x: flags.map((f) => localDate(f.raised_at)),
      y: flags.map(() => rows[0]),
      text: flags.map((f) => plotlyText(explanationText(f) ? `${f.name}: ${explanationText(f)}` : f.name)),
      yaxis: "y3",
      showlegend: false,
      marker: { symbol: CONFUSED_FLAG.symbol, size: 10, color: CONFUSED_FLAG.color, line: { width: 1, color: "#fff" } },
      hovertemplate: `${plotlyText(rows[0])}: %{text}<extra></extra>`,
    });
    for (const [kind, marker] of Object.entries(VOICE_MARKERS)) {
      const label = VOICE_LABELS[kind] || kind;
      const reports = this.voice.filter((r) => r.kind === kind);
      traces.push({
        type: "scatter",
        mode: "markers",
        name: label,
        x: reports.map((r) => localDate(r.t)),
        y: reports.map(() => label),
        text: reports.map((r) => plotlyText(r.text ? `${r.name}: “${r.text}”` : r.name)),
        yaxis: "y3",
        showlegend: false,
        marker: { symbol: marker.symbol, size: 10, color: marker.color, line: { width: 1, color: "#fff" } },
        hovertemplate: `${plotlyText(label)}: %{text}<extra></extra>`,
      });
    }
    return traces;
  }

  _layout() {
    const narrow = this.el.clientWidth > 0 && this.el.clientWidth < NARROW_PX;
    const axisFont = { size: narrow ? 10 : 11, color: "#5b6475" };
    const grid = "#e7eaf0";
    const rows = this._rows();
    // Heights: the moments' rows get a fixed band; the lines (and the shares, when shown) share the rest.
    const height = this._shares ? 520 : 400;
    const rowsTop = 0.36;
    const layout = {
      datarevision: ++this.revision,
      uirevision: this._shares ? "shares" : "lines",
      height,
      margin: { l: 8, r: 12, t: narrow && this._shares ? 84 : 28, b: narrow ? 40 : 20 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: narrow ? 11 : 12, color: "#1d2330" },
      showlegend: true,
      // One row that wraps: only the lines (and the shares) have legend entries; the moments' rows are labelled.
      legend: {
        orientation: "h", traceorder: "normal", x: 0, y: 1.0, yanchor: "bottom", font: { size: narrow ? 10 : 11 }, bgcolor: "rgba(255,255,255,0)",
        // On a phone, the ten entries with expression shares go three a row: the legend stays shorter than the plot.
        ...(narrow && this._shares ? { entrywidth: 0.33, entrywidthmode: "fraction" } : {}),
      },
      hovermode: "x unified" /* i18n: not text */,
      xaxis: {
        type: "date",
        tickfont: axisFont,
        gridcolor: grid,
        nticks: narrow ? 4 : 10,
        rangeslider: { visible: !narrow, thickness: 0.08, bgcolor: "#f5f7fb", bordercolor: "#dfe3ea", borderwidth: 1 },
        anchor: "y3",
      },
      yaxis3: {
        domain: [0, rowsTop - 0.04],
        type: "category",
        categoryorder: "array",
        categoryarray: [...rows].reverse(),
        tickfont: axisFont,
        gridcolor: grid,
        fixedrange: true,
        automargin: true,
        range: [-0.6, rows.length - 0.4],
      },
      yaxis: {
        domain: this._shares ? [rowsTop, 0.62] : [rowsTop, 1],
        range: [0, 100],
        tickvals: [0, 50, 100],
        tickfont: axisFont,
        gridcolor: grid,
        fixedrange: true,
        automargin: true,
      },
    };
    if (this._shares) {
      layout.yaxis4 = { domain: [0.66, 1], range: [0, 1], tickformat: ".0%", tickvals: [0, 0.5, 1], tickfont: axisFont, gridcolor: grid, fixedrange: true, automargin: true };
      if (!this.points.some((p) => p.shares && Object.values(p.shares).some((v) => v > 0))) {
        layout.annotations = [{
          text: gettext("No expressions estimated yet"),
          xref: "paper", yref: "paper", x: 0.5, y: 0.83, showarrow: false, font: { size: 13, color: "#5b6475" },
        }];
      }
    }
    return layout;
  }

  _render() {
    if (!this.available || !this.el.isConnected) return;
    const config = { displayModeBar: false, responsive: true, displaylogo: false, locale: plotlyLocale() };
    window.Plotly.react(this.el, this._traces(), this._layout(), config).catch((err) => console.error(err));
  }
}

let registeredLocale = null;

/** Registers, once, the page's locale with Plotly (month and weekday names from the browser's own Intl data, so
 * the axis and the hover read "30 नवंबर" on a Hindi page) and returns its name. */
function plotlyLocale() {
  if (!registeredLocale) {
    const names = (options, dates) => dates.map((d) => new Intl.DateTimeFormat(LOCALE, { ...options, timeZone: "UTC" }).format(d));
    const months = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2024, i, 15)));
    const days = Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2024, 0, 7 + i))); // 7 January 2024: a Sunday
    window.Plotly.register({
      moduleType: "locale",
      name: LOCALE,
      dictionary: {},
      format: {
        months: names({ month: "long" }, months),
        shortMonths: names({ month: "short" }, months),
        days: names({ weekday: "long" }, days),
        shortDays: names({ weekday: "short" }, days),
      },
    });
    registeredLocale = LOCALE;
  }
  return registeredLocale;
}
