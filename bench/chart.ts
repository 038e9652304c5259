/**
 * docs/performance-scale.png: wall time and peak memory of `eval-sandbox render` against the number
 * of evaluations, drawn by the bench from the numbers of the same run.
 */
import { Canvas, Rgb } from './png';

export interface ScalePoint {
  readonly n: number;
  readonly seconds: number;
  readonly peakMB: number;
}

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [230, 120, 20];
const RED: Rgb = [200, 40, 40];
const GREY: Rgb = [140, 140, 140];

interface Panel {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function label(n: number): string {
  if (n >= 1000) return `${n / 1000}k`;
  return String(Math.round(n * 100) / 100);
}

/** Draws axes and grid; returns the mapping from data to pixels. */
function axes(
  c: Canvas,
  p: Panel,
  title: string,
  xTicks: number[],
  yTicks: number[],
  yLog: boolean,
): (x: number, y: number) => [number, number] {
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [lx(xTicks[0]) - 0.25, lx(xTicks[xTicks.length - 1]) + 0.25];
  const fy = (v: number) => (yLog ? Math.log10(v) : v);
  const [y0, y1] = [fy(yTicks[0]), fy(yTicks[yTicks.length - 1])];
  const map = (x: number, y: number): [number, number] => [
    p.left + ((lx(x) - x0) / (x1 - x0)) * p.width,
    p.top + p.height - ((fy(y) - y0) / (y1 - y0)) * p.height,
  ];
  c.text(p.left, p.top - 34, title, INK);
  for (const t of yTicks) {
    const [, y] = map(xTicks[0], t);
    c.line(p.left, y, p.left + p.width, y, GRID);
    c.textRight(p.left - 8, y - 7, label(t), INK);
  }
  for (const t of xTicks) {
    const [x] = map(t, yTicks[0]);
    c.line(x, p.top, x, p.top + p.height, GRID);
    c.textCentred(x, p.top + p.height + 10, label(t), INK);
  }
  c.textCentred(p.left + p.width / 2, p.top + p.height + 32, 'evaluations rendered (n)', INK);
  c.line(p.left, p.top, p.left, p.top + p.height, INK, 2);
  c.line(p.left, p.top + p.height, p.left + p.width, p.top + p.height, INK, 2);
  return map;
}

function series(
  c: Canvas,
  map: (x: number, y: number) => [number, number],
  points: [number, number][],
  color: Rgb,
): void {
  const px = points.map(([x, y]) => map(x, y));
  for (let i = 1; i < px.length; i++)
    c.line(px[i - 1][0], px[i - 1][1], px[i][0], px[i][1], color, 3);
  for (const [x, y] of px) c.disc(x, y, 5, color);
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step) * step;
}

/**
 * Two panels: time (log-log, with the linear extrapolation from the middle N dashed and the
 * targets in red) and peak memory (log N, linear MB).
 */
export function scaleChart(
  points: readonly ScalePoint[],
  targets: { n: number; seconds: number }[],
): Buffer {
  const c = new Canvas(1100, 500);
  const xs = points.map((p) => p.n);
  const xTicks = decades(Math.min(...xs), Math.max(...xs));

  // The linear extrapolation starts at the middle point (1,000): t(10,000)/t(1,000) should be ~10.
  const base = points[Math.floor((points.length - 1) / 2)];
  const last = points[points.length - 1];
  const linearEnd = (base.seconds * last.n) / base.n;
  const times = [...points.map((p) => p.seconds), ...targets.map((t) => t.seconds), linearEnd];
  const left = axes(
    c,
    { left: 90, top: 60, width: 420, height: 340 },
    'render: wall time (s), log-log',
    xTicks,
    decades(Math.min(...times), Math.max(...times)),
    true,
  );
  const [lx0, ly0] = left(base.n, base.seconds);
  const [lx1, ly1] = left(last.n, linearEnd);
  c.line(lx0, ly0, lx1, ly1, GREY, 2, 8);
  series(
    c,
    left,
    points.map((p) => [p.n, p.seconds]),
    BLUE,
  );
  for (const t of targets) {
    const [x, y] = left(t.n, t.seconds);
    c.line(x - 14, y, x + 14, y, RED, 3);
  }

  const peak = niceMax(Math.max(...points.map((p) => p.peakMB)) * 1.15);
  const step = peak / 5;
  const right = axes(
    c,
    { left: 650, top: 60, width: 420, height: 340 },
    'render: peak memory (mb)',
    xTicks,
    Array.from({ length: 6 }, (_, i) => i * step),
    false,
  );
  series(
    c,
    right,
    points.map((p) => [p.n, p.peakMB]),
    ORANGE,
  );

  c.fillRect(90, 462, 30, 4, BLUE);
  c.text(128, 458, 'measured', INK);
  c.line(250, 464, 280, 464, GREY, 2, 8);
  c.text(288, 458, `linear from n=${base.n}`, INK);
  c.fillRect(560, 462, 30, 4, RED);
  c.text(598, 458, 'target', INK);
  c.fillRect(700, 462, 30, 4, ORANGE);
  c.text(738, 458, 'peak rss', INK);
  return c.png();
}
