import { plural, pluralAtLeast } from '../core/plural.js';
import type { CheckReport } from '../indexer/check.js';
import { embedderModelLabel } from '../indexer/embed/types.js';
import type { IndexSummary } from '../indexer/index.js';
import type { SearchEngine, SearchHit } from '../server/engine/index.js';

/** Human-readable output of the read commands; --json bypasses all of this. */

const write = (line = '') => process.stdout.write(`${line}\n`);

function metadata(hit: Pick<SearchHit, 'date' | 'authors_count' | 'organization' | 'upvotes' | 'cluster'>): string {
  const who = hit.organization ?? (hit.authors_count ? plural(hit.authors_count, 'author') : undefined);
  return [hit.date, who, hit.upvotes ? plural(hit.upvotes, 'upvote') : undefined, `topic: ${hit.cluster.label}`]
    .filter(Boolean)
    .join(' · ');
}

/** The one line `paperscope index` ends with. */
export function formatIndexSummary(summary: IndexSummary): string {
  const problems = [
    summary.removed ? `${summary.removed} removed` : '',
    summary.skipped ? `${summary.skipped} skipped` : '',
    summary.kept ? `${plural(summary.kept, 'paper')} kept without a bad field` : '',
    summary.repaired ? `${summary.repaired} repaired` : '',
    summary.damaged?.length ? `${summary.damaged.length} damaged (not in the input; see the warnings)` : '',
  ].filter(Boolean);
  return (
    `Indexed ${plural(summary.total, 'paper')} in ${(summary.buildMs / 1000).toFixed(1)} s: ${summary.added} added, ${summary.updated} updated, ` +
    `${summary.unchanged} unchanged${problems.length ? `, ${problems.join(', ')}` : ''}; ${plural(summary.topics, 'topic')}; ` +
    (summary.rebuiltFiles?.length ? `rebuilt from the table: ${summary.rebuiltFiles.map(({ file }) => file).join(', ')}; ` : '') +
    `embedder ${summary.embedder.kind} (${embedderModelLabel(summary.embedder)}).`
  );
}

/** The one line `paperscope remove` ends with. */
export function formatRemoveSummary(summary: IndexSummary): string {
  return (
    `Removed ${plural(summary.removed, 'paper')} (${summary.removedIds.join(', ')}) in ${(summary.buildMs / 1000).toFixed(1)} s; ` +
    `the index holds ${plural(summary.total, 'paper')} in ${plural(summary.topics, 'topic')}.`
  );
}

/** Results numbered from `offset + 1`, so that a second page goes on where the first stopped. */
export function printResults(
  results: Array<SearchHit & { shared_terms?: string[] }>,
  summary?: { total: number; totalRelation?: 'eq' | 'gte'; tookMs: number; offset?: number; nextOffset?: number | null },
  emptyNote = 'No papers match. Try fewer or other words, another --mode, or no quotes.',
): void {
  const first = (summary?.offset ?? 0) + 1;
  if (results.length === 0)
    write(
      summary?.total ? `No results from ${first} on: ${pluralAtLeast(summary.total, summary.totalRelation, 'result')} in all.` : emptyNote,
    );
  results.forEach((hit, rank) => {
    write(`${String(first + rank).padStart(2)}. ${hit.title}`);
    write(`    ${hit.id} · ${metadata(hit)}`);
    if (hit.shared_terms?.length) write(`    shared: ${hit.shared_terms.join(', ')}`);
    write(`    ${hit.snippet}`);
    write();
  });
  if (summary && results.length > 0) {
    const more = summary.nextOffset ? `; more with --offset ${summary.nextOffset}` : '';
    const total = summary.totalRelation === 'gte' ? `at least ${summary.total.toLocaleString('en')}` : summary.total;
    write(`${first}–${first + results.length - 1} of ${total} shown (${summary.tookMs} ms)${more}`);
  }
}

export function printClusters(clusters: ReturnType<SearchEngine['clusters']>['clusters']): void {
  for (const cluster of clusters) {
    write(`[${cluster.id}] ${cluster.label} (${plural(cluster.size, 'paper')})`);
    write(
      `    keywords: ${cluster.keywords
        .slice(0, 6)
        .map((keyword) => keyword.term)
        .join(', ')}`,
    );
    for (const paper of cluster.representatives) write(`    - ${paper.title}`);
    write();
  }
}

export function printAnswer(response: {
  answer: string;
  grounded: boolean;
  partial: boolean;
  citations: Array<{ id: string; title: string }>;
  see_also: Array<{ id: string; title: string }>;
}): void {
  if (response.partial) write('The abstracts answer this question only in part.\n');
  write(response.answer);
  if (response.citations.length > 0) write();
  for (const [index, citation] of response.citations.entries()) write(`[${index + 1}] ${citation.title} (${citation.id})`);
  // A refusal lists no papers: none passed the bar that off-topic questions stay under.
  if (!response.grounded) write('No indexed paper is close to this question.');
  if (response.see_also.length > 0) {
    write();
    write('See also:');
    for (const paper of response.see_also) write(`  - ${paper.title} (${paper.id})`);
  }
}

export function printStatus(status: ReturnType<SearchEngine['status']>): void {
  write(`Paperscope ${status.version}`);
  write(
    `${plural(status.papers, 'paper')}, ${plural(status.topics, 'topic')}, built ${status.built_at} in ${(status.build_ms / 1000).toFixed(1)} s`,
  );
  write(
    `embedder: ${status.embedder.kind} (${embedderModelLabel(status.embedder)}, ${status.embedder.dimension} dimensions)${status.fallback ? ' — offline fallback, lower quality' : ''}`,
  );
}

export function printCheck(report: CheckReport): void {
  if (report.repair)
    write(
      `Indexed the source files again: ${report.repair.repaired} damaged papers repaired, ${report.repair.added} added, ${report.repair.updated} updated` +
        `${report.repair.rebuiltFiles.length ? `; rebuilt ${report.repair.rebuiltFiles.map(({ file, reason }) => `the ${file} (${reason})`).join(', ')}` : ''}.`,
    );
  write(`${report.papers} papers checked against their content hashes (table version ${report.tableVersion ?? 'none'}).`);
  for (const problem of report.damage) write(`damaged: ${problem}`);
  for (const problem of report.derived) write(`to rebuild: ${problem}`);
  if (report.damage.length === 0)
    write(
      report.derived.length === 0
        ? 'No damage found.'
        : 'No damage to the papers; "paperscope index" rebuilds the derived files above from the table (a server rebuilds each when it needs it).',
    );
}
