// The console's chart (served as /console/chart.js): delivery attempts by outcome, as inline SVG.
// The window and the bucket size fit the data: from the first minute with activity (at least the
// last hour) to now, in buckets of 1 to 60 minutes, so that there are at most MAX_BARS bars and a
// quiet hour of local use fills the chart instead of being a sliver at its right edge.

const NS = "http://www.w3.org/2000/svg";
const MINUTE = 60_000;
const STEPS = [1, 2, 5, 10, 15, 30, 60];
const MAX_BARS = 96;
export const OUTCOMES = [
  ["delivered", "#3f9c55"],
  ["failed", "#e39b26"],
  ["dead", "#c0392b"],
];

/**
 * Buckets for `/activity`'s minutes: `{start, end, size (minutes), bars: [{at, delivered, failed, dead}]}`.
 * @example buckets({from, to, minutes}).size // 1 for an hour of traffic, 15 for a full day
 */
export function buckets(activity) {
  const to = Date.parse(activity.to);
  const first = activity.minutes.length ? Date.parse(activity.minutes[0].at) : to;
  const span = Math.max(60, Math.ceil((to - Math.min(first, to - 60 * MINUTE)) / MINUTE));
  const size = STEPS.find((step) => span / step <= MAX_BARS) ?? 60;
  const count = Math.ceil(span / size);
  const end = Math.ceil(to / (size * MINUTE)) * size * MINUTE;
  const start = end - count * size * MINUTE;
  const bars = Array.from({ length: count }, (_, i) => ({
    at: start + i * size * MINUTE,
    delivered: 0,
    failed: 0,
    dead: 0,
  }));
  for (const m of activity.minutes) {
    const bar = bars[Math.floor((Date.parse(m.at) - start) / (size * MINUTE))];
    if (!bar) continue;
    for (const [outcome] of OUTCOMES) bar[outcome] += m[outcome];
  }
  return { start, end, size, bars };
}

function node(name, attributes, parent) {
  const element = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  parent?.append(element);
  return element;
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** The chart as an SVG element and a legend paragraph (values set as text, never as HTML). */
export function drawChart(activity) {
  const { start, end, size, bars } = buckets(activity);
  const W = 960;
  const H = 150;
  const peak = Math.max(1, ...bars.map((b) => b.delivered + b.failed + b.dead));
  const svg = node("svg", { viewBox: `0 0 ${W} ${H + 20}`, preserveAspectRatio: "none" });
  node("rect", { x: 0, y: 0, width: W, height: H, fill: "#fafbfc" }, svg);
  const width = W / bars.length;
  for (const [i, bar] of bars.entries()) {
    let y = H;
    for (const [outcome, color] of OUTCOMES) {
      const h = (bar[outcome] / peak) * (H - 4);
      if (h <= 0) continue;
      y -= h;
      const rect = node(
        "rect",
        { x: i * width + width * 0.1, y, width: width * 0.8, height: h, fill: color },
        svg,
      );
      rect.setAttribute("class", `bar ${outcome}`);
      node("title", {}, rect).textContent =
        `${clock(bar.at)}–${clock(bar.at + size * MINUTE)}: ${bar.delivered} delivered, ${bar.failed} failed, ${bar.dead} dead`;
    }
  }
  const labels = 6;
  for (let i = 0; i <= labels; i++) {
    const label = node(
      "text",
      {
        x: (i * W) / labels,
        y: H + 15,
        "text-anchor": i === 0 ? "start" : i === labels ? "end" : "middle",
        "font-size": 12,
        fill: "#4a5561",
      },
      svg,
    );
    label.textContent = clock(start + ((end - start) * i) / labels);
  }
  const legend = document.createElement("p");
  legend.className = "legend";
  for (const [outcome, color] of OUTCOMES) {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = color;
    item.append(swatch, outcome);
    legend.append(item);
  }
  const scale = document.createElement("span");
  scale.id = "chart-scale";
  scale.textContent = `${size}-minute bars, peak ${peak} per bar`;
  legend.append(scale);
  return [svg, legend];
}
