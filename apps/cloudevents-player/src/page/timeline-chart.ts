import type { RateWindow } from './rate-timeline.ts';

const SVG = 'http://www.w3.org/2000/svg';
/** Drawn in CSS pixels of the box, so the text keeps its size at any width. */
const FALLBACK_WIDTH = 600;
const HEIGHT = 120;
const PAD = { left: 48, right: 8, top: 8, bottom: 18 };
/** Distinct in light and dark mode; series beyond them reuse the last. */
export const SERIES_COLOURS = ['#2f63d8', '#22a85a', '#d8313d', '#e2a712', '#8e44ad', '#7a7f8a'];

function node<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>) {
  const created = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) created.setAttribute(key, String(value));
  return created;
}

/** A rounded axis top above `peak`, so the scale does not jitter with every redraw. */
function axisTop(peak: number): number {
  if (peak <= 1) return 1;
  const step = 10 ** Math.floor(Math.log10(peak));
  for (const factor of [1, 2, 5, 10]) if (factor * step >= peak) return factor * step;
  return 10 * step;
}

/** Draws the window into `svg` (a small, dependency-free line chart) and the legend into `legend`. */
export function drawTimeline(svg: SVGSVGElement, legend: HTMLElement, window: RateWindow): void {
  const WIDTH = Math.round(svg.clientWidth) || FALLBACK_WIDTH;
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  const top = axisTop(window.peak);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const buckets = window.series[0]?.rates.length ?? 0;
  const x = (i: number) => PAD.left + (buckets <= 1 ? 0 : (i / (buckets - 1)) * plotWidth);
  const y = (rate: number) => PAD.top + plotHeight - (rate / top) * plotHeight;

  const parts: SVGElement[] = [
    node('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0), class: 'axis' }),
    node('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(top), y2: y(top), class: 'grid' }),
  ];
  const label = (text: string, attributes: Record<string, string | number>) => {
    const created = node('text', attributes);
    created.textContent = text;
    parts.push(created);
  };
  label(`${top}/s`, { x: PAD.left - 4, y: y(top) + 4, 'text-anchor': 'end' });
  label('0', { x: PAD.left - 4, y: y(0) + 4, 'text-anchor': 'end' });
  const seconds = Math.round((buckets * window.bucketMs) / 1000);
  label(`−${seconds} s`, { x: PAD.left, y: HEIGHT - 4 });
  label('now', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' });
  window.series.forEach((series, index) => {
    const points = series.rates.map((rate, i) => `${x(i).toFixed(1)},${y(rate).toFixed(1)}`).join(' ');
    const line = node('polyline', {
      points,
      fill: 'none',
      stroke: SERIES_COLOURS[Math.min(index, SERIES_COLOURS.length - 1)]!,
      'stroke-width': 2,
      'stroke-linejoin': 'round',
    });
    line.dataset.type = series.type;
    parts.push(line);
  });
  svg.replaceChildren(...parts);

  legend.replaceChildren(
    ...window.series.map((series, index) => {
      const item = document.createElement('li');
      item.dataset.type = series.type;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = SERIES_COLOURS[Math.min(index, SERIES_COLOURS.length - 1)]!;
      const latest = series.rates.at(-2) ?? 0; // the last full bucket; the current one is still filling
      item.append(swatch, `${series.type} · ${series.total} (${latest}/s)`);
      return item;
    }),
  );
}
