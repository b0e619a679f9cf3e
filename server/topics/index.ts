import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import type { TopicDoc } from '../../indexer/cluster/index.js';
import type { SubtopicSet, Topic } from '../../indexer/store/index.js';

/** The engine's topic queries beyond the stored topics (sub-topics, trends) and the report's hand labels. */

export interface PaperRef {
  id: string;
  title: string;
}

export interface Subtopic {
  /** Local to the parent topic: 0..n−1, largest first. */
  id: number;
  label: string;
  size: number;
  keywords: Array<{ term: string; weight: number }>;
  representatives: PaperRef[];
  months: Array<{ month: string; count: number }>;
  papers: PaperRef[];
}

export interface SubtopicsResponse {
  clusters: Subtopic[];
  /** Why there are no sub-topics, when `clusters` is empty. */
  reason?: string;
}

/**
 * A topic's sub-topics (2–5, labelled against each other) with their papers named: the second level
 * stored with the topics when there is one, else computed now from the members (a topic of fewer
 * than six papers is not split and gets `{ clusters: [], reason }`).
 *
 * @example (await subtopicsOf(members, 42, stored)).clusters[0].label // → "text-to-image / reward hacking"
 */
export async function subtopicsOf(
  members: ReadonlyArray<TopicDoc & { title: string }>,
  seed: number,
  stored?: SubtopicSet,
): Promise<SubtopicsResponse> {
  // Loaded on first use: the server starts without the clustering code (see indexer/cluster/assign.ts).
  const set = stored ?? (await import('../../indexer/cluster/index.js')).describeSubtopics(members, seed);
  const titles = new Map(members.map((member) => [member.id, member.title]));
  const reference = (id: string): PaperRef => ({ id, title: titles.get(id) ?? '' });
  return {
    clusters: set.clusters.map(({ representatives, papers, ...subtopic }) => ({
      ...subtopic,
      representatives: representatives.filter((id) => titles.has(id)).map(reference),
      papers: papers.filter((id) => titles.has(id)).map(reference),
    })),
    ...(set.reason === undefined ? {} : { reason: set.reason }),
  };
}

/** Papers per month of one topic, every month from its first paper to its last. */
export function trendOf(topic: Topic): { id: number; label: string; months: Topic['months'] } {
  return { id: topic.id, label: topic.label, months: topic.months };
}

const handLabelsSchema = z.record(z.string().min(1), z.string().min(1));

/**
 * Hand labels for `paperscope clusters --report --labels FILE`: a JSON object mapping paper ids or titles
 * to topic names, e.g. `{ "The Climb Carves Wisdom…": "reward noise in RL for reasoning" }`.
 */
export async function readHandLabels(file: string): Promise<Record<string, string>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PaperscopeError('INVALID_INPUT', `Cannot read the hand labels in ${file}: ${(error as Error).message}`, {
      field: 'labels',
      file,
    });
  }
  const parsed = handLabelsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaperscopeError(
      'INVALID_INPUT',
      `${file} must map paper ids or titles to label strings; at ${issue?.path.join('.') || 'the top level'}: ${issue?.message}`,
      {
        field: 'labels',
        file,
      },
    );
  }
  return parsed.data;
}
