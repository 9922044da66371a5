// The session report: the class timeline (the live dashboard's chart, dashboard/timeline.js, fed the whole session
// at once: engagement, attention, faces in view, confused flags and every voice tap kind) and the engagement curve
// with flagged moments and the most confused stretches marked. Data comes from json_script tags.
import { explanationText } from "./explanations.js";
import { format, gettext } from "./i18n.js";
import { localizeTimes } from "./local-time.js";
import { Timeline } from "./dashboard/timeline.js";
import { localDate, plotlyText, readJSON } from "./util.js";
import { FLAG_LABELS } from "./vocabulary.js";

// One marker per flag kind; tests/engagement/test_vocabulary.py holds this to the server's list.
export const FLAG_MARKERS = {
  absent: { color: "#475467", symbol: "x" },
  confused: { color: "#B42318", symbol: "diamond" },
  bored: { color: "#8A5A00", symbol: "square" },
  looking_away: { color: "#0E7490", symbol: "triangle-up" },
};
const AXIS_FONT = { size: 11, color: "#5b6475" };
const GRID = "#e7eaf0";

/** The curve's value at time t: the last point at or before t (the curve is a trailing mean). */
function valueAt(curve, t) {
  let value = null;
  for (const [ct, v] of curve) {
    if (ct > t) break;
    value = v;
  }
  return value ?? (curve.length ? curve[0][1] : 50);
}

function drawClassTimeline(root) {
  const el = document.getElementById("report-timeline");
  if (!el) return;
  const emotionEnabled = root.dataset.emotionEnabled === "true";
  const timeline = new Timeline(el, {
    emotionEnabled,
    showShares: emotionEnabled,
    summaryEl: document.getElementById("report-timeline-summary"),
  });
  timeline.setPoints(readJSON("report-timeline-data", []));
  timeline.setVoice(readJSON("report-voice-data", []));
  for (const flag of readJSON("report-flags-data", [])) timeline.addFlag(flag);
}

function drawCurve() {
  const el = document.getElementById("report-curve");
  if (!el || typeof window.Plotly === "undefined") return;
  const curve = readJSON("report-curve-data", []);
  const attention = readJSON("report-attention-data", []);
  const flags = readJSON("report-flags-data", []);
  const windows = readJSON("report-windows-data", []);
  const traces = [
    {
      type: "scatter", mode: "lines", name: gettext("Engagement"),
      x: curve.map(([t]) => localDate(t)), y: curve.map(([, v]) => v),
      line: { width: 2, color: "#2F55D4" }, hovertemplate: `${plotlyText(gettext("Engagement"))}: %{y:.0f}<extra></extra>`,
    },
    {
      type: "scatter", mode: "lines", name: gettext("Attention"),
      x: attention.map(([t]) => localDate(t)), y: attention.map(([, v]) => v),
      line: { width: 2, color: "#475467", dash: "dot" }, hovertemplate: `${plotlyText(gettext("Attention"))}: %{y:.0f}<extra></extra>`,
    },
  ];
  for (const [kind, marker] of Object.entries(FLAG_MARKERS)) {
    const ofKind = flags.filter((f) => f.kind === kind);
    if (!ofKind.length) continue;
    const label = format(gettext("%(flag)s flag"), { flag: FLAG_LABELS[kind] || kind });
    traces.push({
      type: "scatter", mode: "markers", name: label,
      x: ofKind.map((f) => localDate(f.raised_at)),
      y: ofKind.map((f) => valueAt(curve, f.raised_at)),
      text: ofKind.map((f) => plotlyText(`${f.name}: ${explanationText(f)}`)),
      marker: { symbol: marker.symbol, size: 10, color: marker.color, line: { width: 1, color: "#fff" } },
      hovertemplate: `${plotlyText(label)} · %{text}<extra></extra>`,
    });
  }
  const shapes = windows.map((w) => ({
    type: "rect", xref: "x", yref: "paper", x0: localDate(w.start), x1: localDate(w.end), y0: 0, y1: 1,
    fillcolor: "rgba(180, 35, 24, 0.10)", line: { width: 0 }, layer: "below",
  }));
  const layout = {
    height: 300,
    margin: { l: 56, r: 16, t: 8, b: 40 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1d2330" },
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom", font: { size: 11 }, ...(el.clientWidth < 640 ? { entrywidth: 0.5, entrywidthmode: "fraction" } : {}) },
    hovermode: "closest",
    xaxis: { type: "date", tickfont: AXIS_FONT, gridcolor: GRID, nticks: el.clientWidth < 640 ? 4 : 10 },
    yaxis: { range: [0, 100], tickvals: [0, 25, 50, 75, 100], tickfont: AXIS_FONT, gridcolor: GRID, fixedrange: true, title: { text: "0–100", font: AXIS_FONT } },
    shapes,
  };
  const config = { displayModeBar: false, responsive: true, displaylogo: false };
  window.Plotly.react(el, traces, layout, config).catch((err) => console.error(err));
}

function wireForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
}

const root = document.getElementById("report");
if (root) {
  drawClassTimeline(root);
  drawCurve();
}
localizeTimes();
wireForms();
