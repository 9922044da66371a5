// A class's sessions compared: average engagement (line) and flags per student (bars), oldest first.
import { gettext } from "./i18n.js";
import { localizeTimes } from "./local-time.js";
import { plotlyText, readJSON } from "./util.js";

const AXIS_FONT = { size: 11, color: "#5b6475" };
const GRID = "#e7eaf0";

function draw() {
  const el = document.getElementById("history-chart");
  const rows = readJSON("history-data", []);
  if (!el || !rows.length) return;
  if (typeof window.Plotly === "undefined") {
    el.textContent = gettext("The chart could not be loaded; the table below has the same numbers.");
    return;
  }
  const labels = rows.map((r) => plotlyText(`${new Date(r.t * 1000).toLocaleDateString([], { month: "short", day: "numeric" })} · ${r.title}`));
  const traces = [
    {
      type: "bar", name: gettext("Flags per student"), x: labels, y: rows.map((r) => r.flags_per_student), yaxis: "y2",
      marker: { color: "rgba(180, 35, 24, 0.35)" }, hovertemplate: `${plotlyText(gettext("Flags per student"))}: %{y}<extra></extra>`,
    },
    {
      type: "scatter", mode: "lines+markers", name: gettext("Average engagement"), x: labels, y: rows.map((r) => r.engagement),
      line: { width: 2, color: "#2F55D4" }, marker: { size: 8 }, connectgaps: true,
      hovertemplate: `${plotlyText(gettext("Engagement"))}: %{y:.0f}<extra></extra>`,
    },
  ];
  const layout = {
    height: 280,
    margin: { l: 56, r: 56, t: 8, b: 64 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1d2330" },
    legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom", font: { size: 11 } },
    bargap: rows.length < 4 ? 0.7 : 0.3,
    xaxis: { type: "category", tickfont: AXIS_FONT, automargin: true },
    yaxis: { range: [0, 100], title: { text: gettext("Engagement (0–100)"), font: AXIS_FONT }, tickfont: AXIS_FONT, gridcolor: GRID, fixedrange: true },
    yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", title: { text: gettext("Flags per student"), font: AXIS_FONT }, tickfont: AXIS_FONT, fixedrange: true, showgrid: false },
  };
  window.Plotly.react(el, traces, layout, { displayModeBar: false, responsive: true, displaylogo: false })
    .catch((err) => console.error(err));
}

localizeTimes();
draw();
