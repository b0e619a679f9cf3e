/** Spatial grid over map points in data space ([-1, 1]²), for hover and click hit-testing. */
export interface PointGrid {
  cells: number;
  buckets: Map<number, number[]>;
  xs: Float32Array;
  ys: Float32Array;
}

const cellOf = (value: number, cells: number) => Math.max(0, Math.min(cells - 1, Math.floor(((value + 1) / 2) * cells)));

export function buildGrid(points: readonly { x: number; y: number }[], cells = 64): PointGrid {
  const xs = new Float32Array(points.length);
  const ys = new Float32Array(points.length);
  const buckets = new Map<number, number[]>();
  points.forEach((p, i) => {
    xs[i] = p.x;
    ys[i] = p.y;
    const key = cellOf(p.y, cells) * cells + cellOf(p.x, cells);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(i);
    else buckets.set(key, [i]);
  });
  return { cells, buckets, xs, ys };
}

/** Index of the point nearest (x, y) within `radius` (data units), or -1. */
export function nearestPoint(grid: PointGrid, x: number, y: number, radius: number): number {
  const { cells, buckets, xs, ys } = grid;
  const [x0, x1] = [cellOf(x - radius, cells), cellOf(x + radius, cells)];
  const [y0, y1] = [cellOf(y - radius, cells), cellOf(y + radius, cells)];
  let best = -1;
  let bestDistance = radius * radius;
  for (let cy = y0; cy <= y1; cy++) {
    for (let cx = x0; cx <= x1; cx++) {
      for (const i of buckets.get(cy * cells + cx) ?? []) {
        const dx = (xs[i] ?? 0) - x;
        const dy = (ys[i] ?? 0) - y;
        const distance = dx * dx + dy * dy;
        if (distance <= bestDistance) {
          best = i;
          bestDistance = distance;
        }
      }
    }
  }
  return best;
}

/** Pan and zoom: screen = centre + (data · base · zoom) + offset, with y pointing up in data space. */
export interface View {
  zoom: number;
  offsetX: number;
  offsetY: number;
}

export interface Viewport {
  width: number;
  height: number;
}

/** Pixels per data unit at zoom 1: the [-1, 1] square fits the viewport with a margin. */
export const baseScale = (viewport: Viewport) => (Math.min(viewport.width, viewport.height) / 2) * 0.92;

/** The screen position of data (x, y) is (originX + x · scale, originY − y · scale). */
export function projection(view: View, viewport: Viewport): { scale: number; originX: number; originY: number } {
  return {
    scale: baseScale(viewport) * view.zoom,
    originX: viewport.width / 2 + view.offsetX,
    originY: viewport.height / 2 + view.offsetY,
  };
}

export function toScreen(view: View, viewport: Viewport, x: number, y: number): [number, number] {
  const { scale, originX, originY } = projection(view, viewport);
  return [originX + x * scale, originY - y * scale];
}

export function toData(view: View, viewport: Viewport, sx: number, sy: number): [number, number] {
  const scale = baseScale(viewport) * view.zoom;
  return [(sx - viewport.width / 2 - view.offsetX) / scale, -(sy - viewport.height / 2 - view.offsetY) / scale];
}

/** Zoom by `factor` keeping the data point under (sx, sy) fixed on screen. */
export function zoomAt(view: View, viewport: Viewport, sx: number, sy: number, factor: number): View {
  const zoom = Math.max(0.5, Math.min(200, view.zoom * factor));
  const applied = zoom / view.zoom;
  const cx = sx - viewport.width / 2;
  const cy = sy - viewport.height / 2;
  return { zoom, offsetX: cx - (cx - view.offsetX) * applied, offsetY: cy - (cy - view.offsetY) * applied };
}
