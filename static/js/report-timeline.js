// The report's class timeline: what a teacher can act on, bucket by bucket. The share of the class confused
// (flagged, or tapping "I'm confused"), the share on the lesson (class tab on screen and focused), class engagement,
// the share with a face in view, and every voice tap kind marked on a strip below. The data is the report's
// timeline (engagement/core/timeline.py: MoodPoint.to_dict).
import { format, gettext } from "./i18n.js";
import { REPORT_KINDS, REPORT_LABELS } from "./vocabulary.js";
import { clock, pct, plotlyText, setText } from "./util.js";

const SERIES_COLORS = { confused: "#B42318", attentive: "#475467", engagement: "#2F55D4", present: "#009E73" };
// One colour and symbol per tap kind; tests/engagement/test_vocabulary.py holds this to the server's list.
export const TAP_MARKERS = {
  confused: { color: "#B42318", symbol: "diamond" },
  too_fast: { color: "#7A4BD0", symbol: "triangle-right" },
  too_slow: { color: "#0E7490", symbol: "triangle-left" },
  all_good: { color: "#027A48", symbol: "circle" },
  raise_hand: { color: "#B54708", symbol: "star" },
};
const AXIS_FONT = { size: 11, color: "#5b6475" };
const GRID = "#e7eaf0";

/** Plotly reads date strings without a zone as they are: give it the viewer's wall time. */
export function localDate(t) {
  const d = new Date(t * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const percentOf = (share) => (share === null || share === undefined ? null : Math.round(100 * share));

function line(name, color, points, value, dash = "solid") {
  return {
    type: "scatter", mode: "lines", name, connectgaps: false,
    x: points.map((p) => localDate(p.t)), y: points.map(value),
    line: { width: 2, color, dash }, hovertemplate: `${plotlyText(name)}: %{y:.0f}<extra></extra>`,
  };
}

/** The traces: four 0-100 lines on the main axis, and one marker trace per tap kind on the strip below (each tap
 * at its moment, with who tapped and their note). */
export function timelineTraces(points, voice) {
  const traces = [
    line(gettext("Confused (share of the class)"), SERIES_COLORS.confused, points, (p) => percentOf(p.confused_share)),
    line(gettext("On the lesson (share of the class)"), SERIES_COLORS.attentive, points, (p) => percentOf(p.attentive_share), "dot"),
    line(gettext("Engagement (0–100)"), SERIES_COLORS.engagement, points, (p) => p.engagement ?? null),
    line(gettext("Face in view (share of the class)"), SERIES_COLORS.present, points,
      (p) => (p.connected ? Math.round((100 * (p.present || 0)) / p.connected) : null), "dash"),
  ];
  REPORT_KINDS.forEach((kind, row) => {
    const taps = voice.filter((tap) => tap.kind === kind);
    const marker = TAP_MARKERS[kind] || { color: "#5b6475", symbol: "circle" };
    const label = REPORT_LABELS[kind] || kind;
    traces.push({
      type: "scatter", mode: "markers", name: label, yaxis: "y2",
      x: taps.map((tap) => localDate(tap.t)), y: taps.map(() => row),
      // Names and notes are the students' own words: plain text, never markup in the hover label.
      text: taps.map((tap) => plotlyText(tap.text ? `${tap.name}: “${tap.text}”` : tap.name)),
      marker: { symbol: marker.symbol, size: 10, color: marker.color, line: { width: 1, color: "#fff" } },
      hovertemplate: `${plotlyText(label)} · %{text}<extra></extra>`,
    });
  });
  return traces;
}

/** One sentence for screen readers and print: the peaks a teacher would look for. */
export function timelineSummary(points) {
  const confused = points.filter((p) => typeof p.confused_share === "number");
  const peak = confused.reduce((best, p) => (!best || p.confused_share > best.confused_share ? p : best), null);
  const taps = {};
  for (const p of points) for (const [kind, n] of Object.entries(p.taps || {})) taps[kind] = (taps[kind] || 0) + n;
  const parts = [];
  if (peak && peak.confused_share > 0) {
    parts.push(format(gettext("Most confused at %(time)s: %(share)s of the class."), { time: clock(peak.t), share: pct(peak.confused_share) }));
  } else {
    parts.push(gettext("No student was flagged confused or tapped “I'm confused”."));
  }
  const tapped = REPORT_KINDS.filter((kind) => taps[kind]).map((kind) => `${REPORT_LABELS[kind] || kind} × ${taps[kind]}`);
  parts.push(tapped.length ? format(gettext("Taps: %(taps)s."), { taps: tapped.join(", ") }) : gettext("No voice taps."));
  return parts.join(" ");
}

export function drawTimeline(el, summaryEl, points, voice = []) {
  if (summaryEl) setText(summaryEl, timelineSummary(points));
  if (!el || typeof window.Plotly === "undefined") return;
  const layout = {
    height: 340,
    margin: { l: 56, r: 16, t: 8, b: 40 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1d2330" },
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom", font: { size: 11 } },
    hovermode: "closest",
    xaxis: { type: "date", tickfont: AXIS_FONT, gridcolor: GRID },
    yaxis: { domain: [0.3, 1], range: [0, 100], tickvals: [0, 25, 50, 75, 100], tickfont: AXIS_FONT, gridcolor: GRID, fixedrange: true, title: { text: "%", font: AXIS_FONT } },
    yaxis2: {
      domain: [0, 0.24], range: [-0.6, REPORT_KINDS.length - 0.4], fixedrange: true, showgrid: false, zeroline: false,
      tickvals: REPORT_KINDS.map((_, i) => i), ticktext: REPORT_KINDS.map((kind) => plotlyText(REPORT_LABELS[kind] || kind)), tickfont: AXIS_FONT,
    },
  };
  window.Plotly.react(el, timelineTraces(points, voice), layout, { displayModeBar: false, responsive: true, displaylogo: false })
    .catch((err) => console.error(err));
}
