import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';

const SAMPLE = 'data/hf-daily-papers-reward-noise.txt';
const sampleText = readFileSync(SAMPLE, 'utf8');
const { papers, issues } = parseListing(sampleText, { file: SAMPLE, year: 2026 });

function byTitle(title: string): Paper {
  const paper = papers.find((candidate) => candidate.title === title);
  if (!paper) throw new Error(`not parsed: ${title}`);
  return paper;
}

describe('HF Daily Papers page: the sample', () => {
  it('parses all 62 papers with no issues and unique ids', () => {
    expect(issues).toEqual([]);
    expect(papers).toHaveLength(62);
    expect(new Set(papers.map((paper) => paper.id)).size).toBe(62);
  });

  it('reads an author count, a full date and upvotes', () => {
    const paper = byTitle('The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason');
    expect(paper).toMatchObject({
      id: 'the-climb-carves-wisdom-deeper-than-the-summit-on-the-noisy-rewards-in-learning-5e1a3409',
      authors: [],
      authorsCount: 5,
      organization: null,
      date: '2025-05-28',
      upvotes: 2,
      url: null,
      categories: [],
      source: { file: SAMPLE, line: 13 },
    });
    expect(paper.abstract).toMatch(/^Recent studies on post-training/);
    expect(paper.abstract).toMatch(/Noisy-Rewards-in-Learning-to-Reason\.$/);
  });

  it('gives a year-less date the year passed in, and reads upvotes after it', () => {
    expect(byTitle('Can LLMs Learn to Reason Robustly under Noisy Supervision?')).toMatchObject({
      authorsCount: 10,
      date: '2026-04-04',
      upvotes: 6,
      source: { line: 45 },
    });
    const otherYear = parseListing(sampleText, { file: SAMPLE, year: 2024 });
    expect(otherYear.papers.find((paper) => paper.source.line === 45)?.date).toBe('2024-04-04');
  });

  it('reads organisations, dropping the handle the name repeats', () => {
    expect(byTitle('Lost in the Noise: How Reasoning Models Fail with Contextual Distractors')).toMatchObject({
      authorsCount: null,
      organization: 'KAIST AI',
      date: '2026-01-12',
      upvotes: 3,
    });
    expect(byTitle('ArenaRL: Scaling RL for Open-Ended Agents via Tournament-based Relative Ranking').organization).toBe('Alibaba-NLP');
    expect(byTitle('DenseGRPO: From Sparse to Dense Reward for Flow Matching Model Alignment').organization).toBe('TongyiLab');
    expect(byTitle('Not Every Rubric Teaches Equally: Policy-Aware Rubric Rewards for RLVR')).toMatchObject({
      organization: 'Scale AI',
      date: '2026-05-18',
      upvotes: 1,
    });
  });

  it('reads a paper with no metadata block', () => {
    expect(byTitle('Likelihood-Based Reward Designs for General LLM Reasoning')).toMatchObject({
      authorsCount: null,
      organization: null,
      date: null,
      upvotes: 0,
      source: { line: 69 },
    });
    // The next paper, which has metadata, is not swallowed into the abstract.
    expect(byTitle('STARC: A General Framework For Quantifying Differences Between Reward Functions')).toMatchObject({
      authorsCount: 6,
      date: '2023-09-26',
    });
  });

  it('reads the last paper of the file, which has no final line break', () => {
    expect(sampleText.endsWith('\n')).toBe(false);
    expect(papers.at(-1)).toMatchObject({
      title: 'Uncertainty-guided Perturbation for Image Super-Resolution Diffusion Model',
      authorsCount: 4,
      date: '2025-03-24',
      upvotes: 0,
      source: { line: 481 },
    });
  });

  it('skips the page chrome and keeps URLs and arXiv ids in the abstract out of the id and url', () => {
    expect(papers[0]?.title).toMatch(/^The Climb Carves Wisdom/);
    for (const paper of papers) {
      expect(paper.url).toBeNull();
      expect(paper.id).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('dates a year-less day by the page, never after the page was saved', () => {
    // The sample page's own date is "Jun 4": saved in March 2027, that is 4 June 2026, and "Apr 4" is 2026.
    const savedLater = parseListing(sampleText, { file: SAMPLE, listedOn: '2027-03-01' });
    expect(savedLater.papers.find((paper) => paper.source.line === 45)?.date).toBe('2026-04-04');
    // Saved on 1 May 2026, the page's "Jun 4" is 2025, and so its "Apr 4" is 2025.
    const savedEarly = parseListing(sampleText, { file: SAMPLE, listedOn: '2026-05-01' });
    expect(savedEarly.papers.find((paper) => paper.source.line === 45)?.date).toBe('2025-04-04');
    for (const { papers } of [savedLater, savedEarly]) {
      // No paper is dated after the day the listing was saved.
      expect(papers.filter((paper) => paper.date !== null && paper.date > '2027-03-01')).toEqual([]);
    }
  });

  it('places a year-less date before the saving day when the page shows no date of its own', () => {
    const page = ['A Paper', '', 'Its abstract.', '', '  • 2 authors', '·', 'Dec 30 3'].join('\n');
    const { papers } = parseListing(page, { file: 'page.txt', listedOn: '2027-01-02' });
    expect(papers[0]?.date).toBe('2026-12-30');
    // --year still wins.
    expect(parseListing(page, { file: 'page.txt', listedOn: '2027-01-02', year: 2027 }).papers[0]?.date).toBe('2027-12-30');
  });
});

describe('HF Daily Papers page: malformed text', () => {
  const page = [
    'Daily Papers', // 1
    '',
    'A Title Without Abstract', // 3
    '',
    '  • 3 authors', // 5
    '·',
    'May 2, 2025',
    '',
    'A Good Paper', // 9
    '',
    'Its abstract, which mentions arXiv:2401.01234 and https://arxiv.org/abs/2401.01234.',
    '',
    '  • 2 authors',
    '·',
    'Feb 30, 2025 4', // 15
    '',
    'Another Good Paper', // 17
    '',
    'Another abstract.',
    '',
    'some-lab Some Lab',
    '·',
    'Mar 3 9',
  ].join('\n');

  it('reports the paper without an abstract and a bad date, and keeps the rest', () => {
    const result = parseListing(page, { file: 'page.txt', year: 2025 });
    expect(result.issues).toEqual([
      { file: 'page.txt', line: 3, field: 'abstract', message: 'missing abstract' },
      { file: 'page.txt', line: 15, field: 'date', message: expect.stringContaining('Feb 30, 2025 4'), kept: true },
    ]);
    expect(result.papers.map((paper) => [paper.title, paper.id, paper.date, paper.upvotes, paper.authorsCount])).toEqual([
      ['A Good Paper', 'a-good-paper', null, 0, 2],
      ['Another Good Paper', 'another-good-paper', '2025-03-03', 9, null],
    ]);
    expect(result.papers[1]?.organization).toBe('Some Lab');
  });

  it('keeps an organisation line whole when the name does not repeat the handle', () => {
    const text = 'Title\n\nAbstract.\n\nallenai Ai2\n·\nJan 2, 2025';
    expect(parseListing(text, { file: 'p.txt' }).papers[0]?.organization).toBe('allenai Ai2');
  });
});
