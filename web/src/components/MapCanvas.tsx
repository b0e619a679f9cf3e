import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { MapPoint } from '../api.js';
import { buildGrid, nearestPoint, projection, toData, toScreen, type View, type Viewport, zoomAt } from '../lib/grid.js';
import { clusterColor } from '../lib/palette.js';

const HOVER_RADIUS_PX = 8;
const CLICK_SLOP_PX = 4;
const SQUARE_BELOW_PX = 2.5;
const HOME: View = { zoom: 1, offsetX: 0, offsetY: 0 };
/** Zoomed in this far, the map names sub-topics instead of topics, as a level deeper. */
export const SUBTOPIC_ZOOM = 2.5;

export type MapLevel = 'topics' | 'subtopics';

/** A sub-topic to name on the map: its topic, its label and its papers' ids. */
export interface MapSubtopic {
  topic: number;
  label: string;
  papers: readonly string[];
}

interface Props {
  points: MapPoint[];
  labels: Map<number, string>;
  /** Topic to emphasise; the others are drawn faded. */
  focus: number | null;
  /** Papers to ring, such as the results of the current search. */
  highlighted?: ReadonlySet<string>;
  /** Sub-topics to name at the sub-topic level (a topic that has none keeps its own name there). */
  subtopics?: readonly MapSubtopic[];
  /** The level chosen; zooming in past `SUBTOPIC_ZOOM` shows sub-topics too. */
  level: MapLevel;
  onOpen: (id: string) => void;
}

/**
 * Papers as dots on a canvas: one path per topic colour, redrawn on pan/zoom within an animation
 * frame, hit-tested through a spatial grid so hovering stays cheap with tens of thousands of points.
 */
export function MapCanvas({ points, labels, focus, highlighted, subtopics, level, onOpen }: Props) {
  const wrapper = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<View>(HOME);
  const frame = useRef(0);
  const drag = useRef<{ x: number; y: number; startX: number; startY: number; moved: boolean } | null>(null);
  const [size, setSize] = useState<Viewport>({ width: 0, height: 0 });
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);

  const grid = useMemo(() => buildGrid(points), [points]);
  const byCluster = useMemo(() => {
    const groups = new Map<number, number[]>();
    points.forEach((point, i) => {
      const group = groups.get(point.cluster);
      if (group) group.push(i);
      else groups.set(point.cluster, [i]);
    });
    return groups;
  }, [points]);
  // Each name sits at the median of its dots: inside the group's main mass even when a few stray.
  const topicCentres = useMemo(() => [...byCluster].map(([cluster, indices]) => centre(cluster, indices, points)), [byCluster, points]);
  const subtopicCentres = useMemo(() => {
    const indexOf = new Map(points.map((point, i) => [point.id, i]));
    const split = new Set(subtopics?.map((part) => part.topic));
    return [
      ...(subtopics ?? []).map((part) =>
        centre(
          part.topic,
          part.papers.flatMap((id) => indexOf.get(id) ?? []),
          points,
          part.label,
        ),
      ),
      ...topicCentres.filter((name) => !split.has(name.cluster)),
    ];
  }, [subtopics, topicCentres, points]);

  const draw = () => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context || size.width === 0) return;
    const started = performance.now();
    const ratio = window.devicePixelRatio || 1;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.width, size.height);
    // Few points get big dots; tens of thousands get small ones so clusters stay readable.
    const base = points.length > 5000 ? 1.6 : points.length > 500 ? 2.5 : 4;
    const radius = Math.min(9, base * Math.sqrt(view.current.zoom));
    // Dots a few pixels wide look the same as squares, which rasterise several times faster than arcs.
    const square = radius < SQUARE_BELOW_PX;
    // toScreen, unrolled over the grid's typed arrays: no allocation per point in the hot loop.
    const { scale, originX, originY } = projection(view.current, size);
    const { xs, ys } = grid;
    let drawn = 0;
    for (const [cluster, indices] of byCluster) {
      context.beginPath();
      for (const i of indices) {
        const x = originX + (xs[i] ?? 0) * scale;
        const y = originY - (ys[i] ?? 0) * scale;
        if (x < -radius || y < -radius || x > size.width + radius || y > size.height + radius) continue;
        if (square) context.rect(x - radius, y - radius, radius * 2, radius * 2);
        else {
          context.moveTo(x + radius, y);
          context.arc(x, y, radius, 0, Math.PI * 2);
        }
        drawn++;
      }
      context.globalAlpha = focus === null || focus === cluster ? 0.85 : 0.12;
      context.fillStyle = clusterColor(cluster);
      context.fill();
    }
    context.globalAlpha = 1;
    let ringed = 0;
    if (highlighted && highlighted.size > 0) {
      context.beginPath();
      points.forEach((point, i) => {
        if (!highlighted.has(point.id)) return;
        const x = originX + (xs[i] ?? 0) * scale;
        const y = originY - (ys[i] ?? 0) * scale;
        context.moveTo(x + radius + 3, y);
        context.arc(x, y, radius + 3, 0, Math.PI * 2);
        ringed++;
      });
      context.lineWidth = 2;
      context.strokeStyle = getComputedStyle(element).color;
      context.stroke();
    }
    element.dataset.ringed = String(ringed);
    const shownLevel: MapLevel = subtopics && (level === 'subtopics' || view.current.zoom >= SUBTOPIC_ZOOM) ? 'subtopics' : 'topics';
    element.dataset.level = shownLevel;
    drawNames(context, element, shownLevel === 'subtopics' ? subtopicCentres : topicCentres, labels, shownLevel, focus, (x, y) =>
      toScreen(view.current, size, x, y),
    );
    const hovered = hover ? points[hover.index] : undefined;
    if (hovered) {
      const [x, y] = toScreen(view.current, size, hovered.x, hovered.y);
      context.beginPath();
      context.arc(x, y, radius + 3, 0, Math.PI * 2);
      context.lineWidth = 2;
      context.strokeStyle = getComputedStyle(element).color;
      context.stroke();
    }
    element.dataset.drawn = String(drawn);
    // Read by bench/web.ts: the time this frame's drawing took on the main thread.
    element.dataset.drawMs = (performance.now() - started).toFixed(2);
  };

  // Event listeners bound in effects call the latest draw (current focus and hover), not a stale one.
  const latestDraw = useRef(draw);
  latestDraw.current = draw;
  const redraw = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => latestDraw.current());
  };

  // Track the wrapper's size; the backing store is scaled by devicePixelRatio for crisp dots.
  useEffect(() => {
    const element = wrapper.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      setSize({ width: Math.round(width), height: Math.round(height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.round(size.width * ratio);
    element.height = Math.round(size.height * ratio);
  }, [size]);

  useEffect(() => {
    redraw();
    return () => cancelAnimationFrame(frame.current);
  }, [size, points, focus, hover, highlighted, subtopicCentres, topicCentres, level, labels]);

  // Wheel zoom needs a non-passive listener to stop the page from scrolling.
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      view.current = zoomAt(view.current, size, event.clientX - box.left, event.clientY - box.top, Math.exp(-event.deltaY * 0.0015));
      setHover(null);
      redraw();
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [size]);

  const local = (event: PointerEvent): [number, number] => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  const hitTest = (x: number, y: number): number => {
    const [dx, dy] = toData(view.current, size, x, y);
    const perPixel = Math.abs(toData(view.current, size, x + 1, y)[0] - dx);
    return nearestPoint(grid, dx, dy, HOVER_RADIUS_PX * perPixel);
  };

  const onPointerDown = (event: PointerEvent) => {
    const [x, y] = local(event);
    drag.current = { x, y, startX: x, startY: y, moved: false };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };

  const onPointerMove = (event: PointerEvent) => {
    const [x, y] = local(event);
    const current = drag.current;
    if (current) {
      if (Math.hypot(x - current.startX, y - current.startY) > CLICK_SLOP_PX) current.moved = true;
      if (current.moved) {
        view.current = { ...view.current, offsetX: view.current.offsetX + x - current.x, offsetY: view.current.offsetY + y - current.y };
        current.x = x;
        current.y = y;
        setHover(null);
        redraw();
        return;
      }
    }
    const index = hitTest(x, y);
    setHover(index >= 0 ? { index, x, y } : null);
  };

  const onPointerUp = (event: PointerEvent) => {
    const current = drag.current;
    drag.current = null;
    if (!current || current.moved) return;
    const [x, y] = local(event);
    const point = points[hitTest(x, y)];
    if (point) onOpen(point.id);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const step = 40;
    const centre: [number, number] = [size.width / 2, size.height / 2];
    const moves: Record<string, () => View> = {
      '+': () => zoomAt(view.current, size, ...centre, 1.25),
      '=': () => zoomAt(view.current, size, ...centre, 1.25),
      '-': () => zoomAt(view.current, size, ...centre, 0.8),
      '0': () => HOME,
      ArrowLeft: () => ({ ...view.current, offsetX: view.current.offsetX + step }),
      ArrowRight: () => ({ ...view.current, offsetX: view.current.offsetX - step }),
      ArrowUp: () => ({ ...view.current, offsetY: view.current.offsetY + step }),
      ArrowDown: () => ({ ...view.current, offsetY: view.current.offsetY - step }),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    view.current = move();
    redraw();
  };

  const hovered = hover ? points[hover.index] : undefined;
  return (
    <div class="map-canvas" ref={wrapper}>
      <canvas
        ref={canvas}
        class={hovered ? 'is-pointing' : undefined}
        tabIndex={0}
        role="img"
        aria-label={`Map of ${points.length} papers, coloured by topic. Drag to pan, scroll or press + and − to zoom, 0 to reset.`}
        data-points={points.length}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setHover(null)}
        onKeyDown={onKeyDown}
      />
      {hovered && hover ? (
        <div
          // Open towards the middle of the canvas so the tooltip is never clipped at an edge.
          class={`map-tooltip${hover.x > size.width / 2 ? ' flip-x' : ''}${hover.y > size.height / 2 ? ' flip-y' : ''}`}
          role="tooltip"
          style={{ left: `${hover.x}px`, top: `${hover.y}px` }}
        >
          <strong>{hovered.title}</strong>
          <span>{labels.get(hovered.cluster) ?? `Topic ${hovered.cluster}`}</span>
        </div>
      ) : null}
      <button
        type="button"
        class="button button-small map-reset"
        onClick={() => {
          view.current = HOME;
          redraw();
        }}
      >
        Reset view
      </button>
    </div>
  );
}

/** Where a name goes: a topic's (labelled from `labels` when drawn) or a sub-topic's, with its own label. */
interface Centre {
  cluster: number;
  x: number;
  y: number;
  label?: string;
}

function centre(cluster: number, indices: readonly number[], points: readonly MapPoint[], label?: string): Centre {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { cluster, x: median(indices.map((i) => points[i]?.x ?? 0)), y: median(indices.map((i) => points[i]?.y ?? 0)), label };
}

/** The first phrase of a label ("reward noise / RLVR" → "reward noise"): short enough to sit on the map. */
function firstPhrase(label: string | undefined): string {
  return label?.split(' / ')[0] ?? '';
}

/**
 * Names at their centres (topics, or sub-topics in a smaller type), outlined in the page colour so
 * they read over dots; only the focused topic's when one is focused.
 */
function drawNames(
  context: CanvasRenderingContext2D,
  element: HTMLCanvasElement,
  centres: readonly Centre[],
  labels: Map<number, string>,
  level: MapLevel,
  focus: number | null,
  toScreenAt: (x: number, y: number) => [number, number],
): void {
  const style = getComputedStyle(element);
  context.font = level === 'topics' ? `600 12px ${style.fontFamily}` : `500 11px ${style.fontFamily}`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.lineJoin = 'round';
  context.lineWidth = 4;
  let count = 0;
  for (const { cluster, x, y, label } of centres) {
    const name = firstPhrase(label ?? labels.get(cluster));
    if (!name || (focus !== null && focus !== cluster)) continue;
    const [screenX, screenY] = toScreenAt(x, y);
    context.strokeStyle = style.backgroundColor && style.backgroundColor !== 'rgba(0, 0, 0, 0)' ? style.backgroundColor : '#fff';
    context.strokeText(name, screenX, screenY);
    context.fillStyle = style.color;
    context.fillText(name, screenX, screenY);
    count++;
  }
  element.dataset.named = String(count);
}
