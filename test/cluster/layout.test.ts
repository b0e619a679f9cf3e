import { describe, expect, it } from 'vitest';
import { WorkerLane } from '../../core/worker.js';
import { DEFAULT_MAP_SAMPLE_SIZE, extendMap, extendMapInWorker, layoutMap } from '../../indexer/cluster/index.js';
import { defaultEpochs } from '../../indexer/cluster/layout.js';
import { normalizeVector } from '../../indexer/cluster/vectors.js';
import { gaussianBlobs } from './helpers.js';

function expectOnMap(points: Array<{ x: number; y: number }>, count: number): void {
  expect(points).toHaveLength(count);
  for (const { x, y } of points) {
    expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
    expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-9);
    expect(Math.abs(y)).toBeLessThanOrEqual(1 + 1e-9);
  }
}

describe('normalizeVector', () => {
  it('writes into a reused array what it returns fresh, a zero vector as zeros', () => {
    const reused = new Float32Array(3);
    expect(normalizeVector([3, 0, 4], 'v', reused)).toEqual(Float32Array.from([0.6, 0, 0.8]));
    expect(normalizeVector([0, 0, 0], 'v', reused)).toEqual(new Float32Array(3));
    expect(normalizeVector([1, 2, 2], 'v', reused)).toEqual(normalizeVector([1, 2, 2], 'v'));
    expect(() => normalizeVector([1, Number.NaN, 0], 'v', reused)).toThrow(/v has a non-finite value at dimension 1/);
  });
});

describe('defaultEpochs', () => {
  it('gives small samples the reference 500 epochs and large ones fewer, at least 100', () => {
    expect(defaultEpochs(62)).toBe(500);
    expect(defaultEpochs(250)).toBe(200);
    // Half the topics' sample, 500 papers: 100 epochs (with the rest placed among them, a stable layout needs no more).
    expect(DEFAULT_MAP_SAMPLE_SIZE).toBe(500);
    expect(defaultEpochs(DEFAULT_MAP_SAMPLE_SIZE)).toBe(100);
    expect(defaultEpochs(100_000)).toBe(100);
  });
});

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('layoutMap', () => {
  const { vectors, truth } = gaussianBlobs(3, 12, 20, 0.3, 4);

  it('gives one finite point per paper in [−1, 1], the same for the same seed', () => {
    const points = layoutMap(vectors, { seed: 3 });
    expectOnMap(points, vectors.length);
    expect(Math.max(...points.map((point) => Math.max(Math.abs(point.x), Math.abs(point.y))))).toBeCloseTo(1, 9);
    expect(layoutMap(vectors, { seed: 3 })).toEqual(points);
  });

  it('places papers beyond the fitted sample near their neighbours', () => {
    const points = layoutMap(vectors, { seed: 3, sampleSize: 20 });
    expectOnMap(points, vectors.length);
    expect(layoutMap(vectors, { seed: 3, sampleSize: 20 })).toEqual(points);
    expect(layoutMap(vectors, { seed: 4, sampleSize: 20 })).not.toEqual(points);
    // Each paper sits nearer its own blob's centre on the map than any other blob's.
    const centres = [0, 1, 2].map((blob) => {
      const members = points.filter((_, index) => truth[index] === blob);
      return { x: mean(members.map((point) => point.x)), y: mean(members.map((point) => point.y)) };
    });
    points.forEach((point, index) => {
      const distances = centres.map((centre) => Math.hypot(point.x - centre.x, point.y - centre.y));
      expect(distances.indexOf(Math.min(...distances)), `paper ${index}`).toBe(truth[index]);
    });
  });

  it('lays out one, two or three papers', () => {
    expect(layoutMap([])).toEqual([]);
    expect(layoutMap([Float32Array.of(1, 0)])).toEqual([{ x: 0, y: 0 }]);
    expect(layoutMap([Float32Array.of(1, 0), Float32Array.of(0, 1)])).toEqual([
      { x: -1, y: 0 },
      { x: 1, y: 0 },
    ]);
    expectOnMap(layoutMap(vectors.slice(0, 3)), 3);
  });

  it('names a bad option', () => {
    expect(() => layoutMap(vectors, { sampleSize: 1 })).toThrow(/sampleSize must be an integer of at least 3/);
  });
});

describe('extendMap', () => {
  const { vectors, truth } = gaussianBlobs(3, 12, 20, 0.3, 4);
  const corners = [
    { x: -1, y: -1 },
    { x: 1, y: -1 },
    { x: 0, y: 1 },
  ];

  it('keeps every known position and puts a new paper among its own blob', () => {
    // Every fourth paper is new; the known ones sit at their blob's corner.
    const known = vectors.map((_, index) => (index % 4 === 3 ? undefined : corners[truth[index] as number]));
    const points = extendMap(vectors, known, { seed: 3 });
    expectOnMap(points, vectors.length);
    points.forEach((point, index) => {
      expect(point).toEqual(corners[truth[index] as number]);
    });
    expect(extendMap(vectors, known, { seed: 3 })).toEqual(points);
  });

  it('lays the map out afresh when no paper has a position, and names mismatched input', () => {
    expect(extendMap(vectors, new Array(vectors.length).fill(undefined), { seed: 3 })).toEqual(layoutMap(vectors, { seed: 3 }));
    expect(() => extendMap(vectors, [undefined])).toThrow(/36 vectors but 1 known positions/);
  });

  it('gives the same points on a worker thread, fresh or extended', async () => {
    const known = vectors.map((_, index) => (index % 4 === 3 ? undefined : corners[truth[index] as number]));
    const fresh = vectors.map(() => undefined);
    const [extended, laidOut] = await Promise.all([extendMapInWorker(vectors, known, 3), extendMapInWorker(vectors, fresh, 3)]);
    expect(extended).toEqual(extendMap(vectors, known, { seed: 3 }));
    expect(laidOut).toEqual(layoutMap(vectors, { seed: 3 }));
  });

  it('gives the same points when the map shares its worker with other stages', async () => {
    const lane = new WorkerLane();
    const known = vectors.map((_, index) => (index % 4 === 3 ? undefined : corners[truth[index] as number]));
    const points = await Promise.all([
      extendMapInWorker(vectors, known, 3, undefined, lane),
      extendMapInWorker(vectors, known, 5, undefined, lane),
    ]);
    lane.release();
    expect(points).toEqual([extendMap(vectors, known, { seed: 3 }), extendMap(vectors, known, { seed: 5 })]);
  });
});
