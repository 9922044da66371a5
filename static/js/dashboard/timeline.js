// The class mood timeline: a live Plotly chart over the whole session.
//
// Emotion on:  stacked areas of the seven emotions' shares, engagement/attention lines below,
//              and a strip of student-voice markers ("I'm confused", "Too fast").
// Emotion off: attention, engagement and "face in view" lines, and the same voice strip.
import { EMOTIONS, EMOTION_COLORS, EMOTION_LABELS } from "../emotions.js";
import { VOICE_LABELS } from "../labels.js";
import { clock, plotlyText, setText } from "../util.js";

const VOICE_MARKERS = {
  confused: { label: VOICE_LABELS.confused, color: "#B42318", symbol: "diamond" },
  too_fast: { label: VOICE_LABELS.too_fast, color: "#7A4BD0", symbol: "triangle-right" },
};
const LINE_COLORS = { engagement: "#2F55D4", attention: "#475467", present: "#009E73" };
const MIN_RENDER_GAP_MS = 800;

/** Plotly reads date strings without a zone as-is: give it the viewer's local wall time. */
function localDate(t) {
  const d = new Date(t * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export class Timeline {
  constructor(el, { emotionEnabled, summaryEl }) {
    this.el = el;
    this.summaryEl = summaryEl;
    this.emotionEnabled = emotionEnabled;
    this.points = [];
    this.voice = [];
    this.revision = 0;
    this.pending = false;
    this.lastRender = 0;
    this.available = typeof window.Plotly !== "undefined";
    if (!this.available) {
      el.classList.add("timeline__chart--missing");
      el.textContent = "The chart could not be loaded; the numbers above still update live.";
    }
  }

  setEmotionEnabled(enabled) {
    if (enabled === this.emotionEnabled) return;
    this.emotionEnabled = enabled;
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

  _summarize() {
    const last = this.points[this.points.length - 1];
    if (!last) {
      setText(this.summaryEl, "Waiting for the first readings…");
      return;
    }
    const parts = [];
    if (this.emotionEnabled && last.shares) {
      const top = Object.entries(last.shares)
        .filter(([, share]) => share > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([emotion, share]) => `${EMOTION_LABELS[emotion] || emotion} ${Math.round(share * 100)}%`);
      if (top.length) parts.push(top.join(", "));
    }
    if (last.engagement !== null && last.engagement !== undefined) parts.push(`engagement ${Math.round(last.engagement)}`);
    if (last.attention !== null && last.attention !== undefined) parts.push(`attention ${Math.round(last.attention)}`);
    parts.push(`${last.present ?? 0} of ${last.connected ?? 0} in view`);
    setText(this.summaryEl, `At ${clock(last.t)}: ${parts.join(" · ")}.`);
  }

  _traces() {
    const x = this.points.map((p) => localDate(p.t));
    const traces = [];
    const lineAxis = this.emotionEnabled ? "y2" : "y";
    if (this.emotionEnabled) {
      for (const emotion of EMOTIONS) {
        traces.push({
          type: "scatter",
          mode: "lines",
          name: EMOTION_LABELS[emotion],
          x,
          y: this.points.map((p) => (p.shares && p.shares[emotion]) || 0),
          stackgroup: "mood",
          line: { width: 0.5, color: EMOTION_COLORS[emotion], shape: "spline", smoothing: 0.6 },
          fillcolor: EMOTION_COLORS[emotion],
          hovertemplate: `${EMOTION_LABELS[emotion]}: %{y:.0%}<extra></extra>`,
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
      yaxis: lineAxis,
      connectgaps: false,
      line: { width: 2, color: LINE_COLORS[key], dash },
      hovertemplate: `${name}: %{y:.0f}<extra></extra>`,
      legendgroup: "lines",
    });
    traces.push(line("engagement", "Engagement", this.points.map((p) => p.engagement ?? null), "solid"));
    traces.push(line("attention", "Attention", this.points.map((p) => p.attention ?? null), "dot"));
    if (!this.emotionEnabled) {
      traces.push(line("present", "Face in view (%)",
        this.points.map((p) => (p.connected ? Math.round((100 * (p.present || 0)) / p.connected) : null)), "dash"));
    }
    for (const [kind, marker] of Object.entries(VOICE_MARKERS)) {
      const reports = this.voice.filter((r) => r.kind === kind);
      traces.push({
        type: "scatter",
        mode: "markers",
        name: marker.label,
        x: reports.map((r) => localDate(r.t)),
        y: reports.map(() => marker.label),
        text: reports.map((r) => plotlyText(r.text ? `${r.name}: “${r.text}”` : r.name)),
        yaxis: "y3",
        marker: { symbol: marker.symbol, size: 11, color: marker.color, line: { width: 1, color: "#fff" } },
        hovertemplate: `${marker.label}: %{text}<extra></extra>`,
        legendgroup: "voice",
      });
    }
    return traces;
  }

  _layout() {
    const axisFont = { size: 11, color: "#5b6475" };
    const grid = "#e7eaf0";
    const layout = {
      datarevision: ++this.revision,
      uirevision: this.emotionEnabled ? "mood" : "attention",
      height: 440,
      margin: { l: 16, r: 16, t: 40, b: 24 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1d2330" },
      showlegend: true,
      // "normal": one row that wraps, rather than a column per legend group.
      legend: { orientation: "h", traceorder: "normal", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 }, bgcolor: "rgba(255,255,255,0)" },
      hovermode: "x unified",
      xaxis: {
        type: "date",
        tickfont: axisFont,
        gridcolor: grid,
        rangeslider: { visible: true, thickness: 0.1, bgcolor: "#f5f7fb", bordercolor: "#dfe3ea", borderwidth: 1 },
        anchor: "y3",
      },
      yaxis3: {
        domain: [0, 0.13],
        type: "category",
        categoryorder: "array",
        categoryarray: Object.values(VOICE_MARKERS).map((m) => m.label),
        tickfont: axisFont,
        gridcolor: grid,
        fixedrange: true,
        automargin: true,
        range: [-0.6, 1.6],
      },
    };
    if (this.emotionEnabled && !this.points.some((p) => p.shares && Object.values(p.shares).some((v) => v > 0))) {
      // Faces seen but no expression estimated (no emotion model on this server, or no face yet).
      layout.annotations = [{
        text: this.points.length ? "No expressions estimated yet" : "Waiting for the first readings",
        xref: "paper", yref: "paper", x: 0.5, y: 0.73, showarrow: false, font: { size: 13, color: "#5b6475" },
      }];
    }
    if (this.emotionEnabled) {
      layout.yaxis = { domain: [0.46, 1], range: [0, 1], tickformat: ".0%", tickfont: axisFont, gridcolor: grid, fixedrange: true, automargin: true, title: { text: "Share", font: axisFont } };
      layout.yaxis2 = { domain: [0.19, 0.4], range: [0, 100], tickvals: [0, 50, 100], tickfont: axisFont, gridcolor: grid, fixedrange: true, automargin: true, title: { text: "0–100", font: axisFont } };
    } else {
      layout.yaxis = { domain: [0.2, 1], range: [0, 100], tickvals: [0, 25, 50, 75, 100], tickfont: axisFont, gridcolor: grid, fixedrange: true, automargin: true, title: { text: "0–100", font: axisFont } };
    }
    return layout;
  }

  _render() {
    if (!this.available || !this.el.isConnected) return;
    const config = { displayModeBar: false, responsive: true, displaylogo: false };
    window.Plotly.react(this.el, this._traces(), this._layout(), config).catch((err) => console.error(err));
  }
}
