import { describe, expect, it } from 'vitest';
import { type AnnContender, atEqualRecall, ivfPqBuilds, ivfSettings } from '../../bench/ann.js';
import { summarize } from '../../bench/stats.js';

describe("LanceDB's IVF_PQ tuned as its docs say", () => {
  it('sweeps partitions N/4096 and N/1024 at dim/8 sub-vectors, finer splits at N/4096, never dim/16', () => {
    expect(ivfPqBuilds(100_000, 384)).toEqual([
      { numPartitions: 24, numSubVectors: 48 },
      { numPartitions: 98, numSubVectors: 48 },
      { numPartitions: 24, numSubVectors: 96 },
    ]);
    // 100 is not a multiple of 8 (LanceDB's default falls back to a single sub-vector there).
    expect(ivfPqBuilds(100_000, 100)).toEqual([
      { numPartitions: 24, numSubVectors: 25 },
      { numPartitions: 98, numSubVectors: 25 },
      { numPartitions: 24, numSubVectors: 50 },
    ]);
    expect(ivfPqBuilds(1_000, 64).map((build) => build.numPartitions)).toEqual([1, 1, 1]);
  });

  it('probes 5-15 % of the partitions and 30 %, each with refine factor 10 and 50', () => {
    expect(ivfSettings(98)).toEqual([5, 10, 15, 30].flatMap((nprobes) => [10, 50].map((refineFactor) => ({ nprobes, refineFactor }))));
    expect(ivfSettings(1).map((setting) => setting.nprobes)).toEqual([1, 1]);
  });

  it("compares each index type at its fastest setting over every build that reaches Paperscope's recall", () => {
    const row = (name: string, peer: string, perSecond: number, recallAt10: number): AnnContender => ({
      name,
      peer,
      latency: { ...summarize([1]), perSecond },
      recallAt10,
      speedup: 1,
    });
    const rows = [
      row('IVF_PQ build A fast', 'IVF_PQ', 300, 0.95),
      row('IVF_PQ build B slow', 'IVF_PQ', 80, 1),
      row('IVF_PQ build C', 'IVF_PQ', 200, 0.99),
      row('IVF_RQ low', 'IVF_RQ', 500, 0.7),
      row('IVF_RQ best', 'IVF_RQ', 100, 0.9),
    ];
    expect(atEqualRecall(rows, 0.983).map((c) => c.name)).toEqual(['IVF_PQ build C', 'IVF_RQ best']);
  });
});
