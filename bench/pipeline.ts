import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { IndexSummary } from '../indexer/index.js';
import { cpuStage } from '../indexer/timings.js';
import { runCli } from './child.js';
import { loadAverage, round } from './stats.js';

export interface StageFigure {
  stage: string;
  ms: number;
  /** CPU time of the thread that ran the stage, where the indexer measured it. */
  cpuMs?: number;
  papersPerSecond: number;
}

export interface PipelineResult {
  n: number;
  /** What was indexed: "realistic", "sample" or a real dataset's name. */
  corpus: string;
  generateMs: number;
  /** The 1-minute load average when indexing ended. */
  load: number;
  index: {
    wallMs: number;
    buildMs: number;
    /** CPU time of every thread of the indexing process, when it reported it. */
    cpuMs?: number;
    peakRssMb: number;
    stages: StageFigure[];
    papersPerSecond: number;
    papersPerSecondExclEmbedding: number;
  };
  reindexUnchanged: { wallMs: number; buildMs: number; peakRssMb: number; unchanged: number };
}

const CPU_SUFFIX = cpuStage('');

/** Stages that depend on the embedder; the indexing target excludes them. */
const EMBEDDING_STAGES = new Set(['fit', 'embed', 'sentences: embed']);

/**
 * Writes the corpus (`write` returns how many papers it wrote), indexes it with the CLI (offline
 * word-vector embedder) into `dataDir`, then indexes it again unchanged.
 */
export async function benchPipeline(options: {
  corpus: string;
  /** Writes the corpus into a directory. */
  write: (dir: string) => Promise<number>;
  workDir: string;
  /** Index the corpus files already here (kept by an earlier run) instead of writing one. */
  corpusDir?: string;
  dataDir: string;
  profileDir?: string;
  log: (line: string) => void;
}): Promise<PipelineResult> {
  const { log } = options;
  // A directory of files: one file may hold 500 MB, less than a million abstracts.
  const corpus = options.corpusDir ?? path.join(options.workDir, `corpus-${options.corpus}`);
  const generateStarted = performance.now();
  const n = options.corpusDir ? await countLines(options.corpusDir) : await options.write(corpus);
  const generateMs = performance.now() - generateStarted;
  const args = ['index', corpus, '--data-dir', options.dataDir, '--embedder', 'word-vectors', '--offline', '--json'];

  const logFile = path.join(options.workDir, 'index.log');
  log(`  index ${n} papers (its output in ${logFile})`);
  const first = await runCli(args, { profileDir: options.profileDir, logFile });
  const load = loadAverage();
  const summary = JSON.parse(first.stdout) as IndexSummary;
  const stages = Object.entries(summary.stages)
    .filter(([stage]) => !stage.endsWith(CPU_SUFFIX))
    .map(([stage, ms]) => {
      const cpuMs = summary.stages[cpuStage(stage)];
      return {
        stage,
        ms: Math.round(ms),
        ...(cpuMs === undefined ? {} : { cpuMs: Math.round(cpuMs) }),
        papersPerSecond: Math.round((n / ms) * 1000),
      };
    });
  const cpuMs = summary.stages[cpuStage('process')];
  const embeddingMs = stages.filter(({ stage }) => EMBEDDING_STAGES.has(stage)).reduce((sum, { ms }) => sum + ms, 0);

  log('  re-index unchanged');
  const again = await runCli(args, { profileDir: options.profileDir, logFile });
  const second = JSON.parse(again.stdout) as IndexSummary;
  return {
    n,
    corpus: options.corpus,
    load,
    generateMs: Math.round(generateMs),
    index: {
      wallMs: Math.round(first.wallMs),
      buildMs: Math.round(summary.buildMs),
      ...(cpuMs === undefined ? {} : { cpuMs: Math.round(cpuMs) }),
      peakRssMb: first.peakRssMb,
      stages,
      papersPerSecond: round((n / first.wallMs) * 1000, 0),
      papersPerSecondExclEmbedding: round((n / (first.wallMs - embeddingMs)) * 1000, 0),
    },
    reindexUnchanged: {
      wallMs: Math.round(again.wallMs),
      buildMs: Math.round(second.buildMs),
      peakRssMb: again.peakRssMb,
      unchanged: second.unchanged,
    },
  };
}

/** The papers in a folder of JSON Lines files: one a line. */
async function countLines(dir: string): Promise<number> {
  let lines = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.jsonl'))) {
    for await (const chunk of createReadStream(path.join(dir, file)) as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    }
  }
  return lines;
}
