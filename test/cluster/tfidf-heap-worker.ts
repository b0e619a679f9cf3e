import { parentPort, workerData } from 'node:worker_threads';
import { classicTfIdf } from '../../indexer/cluster/classic-tfidf.js';

// Fits the classic TF-IDF of `workerData.papers` synthetic abstracts (a Zipf-like draw from 20,000
// words, 120 a paper) in this worker's small heap, and reports the vocabulary it kept.
const { papers } = workerData as { papers: number };
let seed = 7;
const next = () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed / 2 ** 32;
};
const word = () => `w${Math.floor(20_000 ** next()).toString(36)}`;
const docs = Array.from({ length: papers }, () => ({
  title: Array.from({ length: 8 }, word).join(' '),
  abstract: Array.from({ length: 120 }, word).join(' '),
}));
parentPort?.postMessage(classicTfIdf(docs).vocabularySize);
