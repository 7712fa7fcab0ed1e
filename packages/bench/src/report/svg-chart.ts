/**
 * `results/fanout.svg`: median fan-out deliveries per second against subscriber count, one line
 * per contender. Hand-written SVG: a log-scale x axis, a linear y axis from zero, a legend.
 */
export interface ChartSeries {
  readonly name: string;
  /** [subscribers, deliveries per second]; NaN values are skipped. */
  readonly points: readonly (readonly [number, number])[];
}

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { top: 48, right: 190, bottom: 56, left: 84 };
const COLORS = ['#222222', '#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A "nice" upper bound and tick step for 0..max. */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? rough;
  return { top: Math.ceil(max / step) * step, step };
}

function shortNumber(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(2));
}

export function renderFanoutChart(series: readonly ChartSeries[], subtitle: string): string {
  const xs = [...new Set(series.flatMap((each) => each.points.map(([x]) => x)))].sort((a, b) => a - b);
  const ys = series.flatMap((each) => each.points.map(([, y]) => y)).filter((y) => Number.isFinite(y));
  const { top, step } = niceScale(Math.max(0, ...ys));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const logMin = Math.log10(xs[0] ?? 1);
  const logMax = Math.log10(xs.at(-1) ?? 10);
  const xOf = (x: number) =>
    MARGIN.left +
    (logMax === logMin ? plotWidth / 2 : ((Math.log10(x) - logMin) / (logMax - logMin)) * plotWidth);
  const yOf = (y: number) => MARGIN.top + plotHeight - (y / top) * plotHeight;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="600">Fan-out: deliveries per second by subscriber count</text>`,
    `<text x="${MARGIN.left}" y="38" fill="#555555">${escapeXml(subtitle)}</text>`,
  );
  for (let value = 0; value <= top + step / 2; value += step) {
    const y = yOf(value).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444444">${shortNumber(value)}</text>`,
    );
  }
  for (const x of xs) {
    const px = xOf(x).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#f0f0f0"/>`,
      `<text x="${px}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" fill="#444444">${x.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#888888"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#888888"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle" fill="#222222">subscribers (log scale)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#222222">deliveries / s</text>`,
  );
  series.forEach((each, index) => {
    const color = COLORS[index % COLORS.length]!;
    const points = each.points.filter(([, y]) => Number.isFinite(y));
    const dash = each.name.startsWith('ours-') ? '' : ' stroke-dasharray="6 4"';
    if (points.length > 1) {
      const path = points.map(([x, y]) => `${xOf(x).toFixed(1)},${yOf(y).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    for (const [x, y] of points) {
      parts.push(
        `<circle cx="${xOf(x).toFixed(1)}" cy="${yOf(y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(each.name)}: ${Math.round(y).toLocaleString('en-US')} deliveries/s at ${x.toLocaleString('en-US')} subscribers</title></circle>`,
      );
    }
    const legendY = MARGIN.top + 8 + index * 22;
    const legendX = MARGIN.left + plotWidth + 18;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 26}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<circle cx="${legendX + 13}" cy="${legendY}" r="3.5" fill="${color}"/>`,
      `<text x="${legendX + 34}" y="${legendY}" dominant-baseline="middle">${escapeXml(each.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
