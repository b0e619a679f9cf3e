import type { SearchEngine, SearchHit } from '../server/engine/index.js';

/** Human-readable output of the read commands; --json bypasses all of this. */

const write = (line = '') => process.stdout.write(`${line}\n`);

function metadata(hit: Pick<SearchHit, 'date' | 'authors_count' | 'organization' | 'upvotes' | 'cluster'>): string {
  const who = hit.organization ?? (hit.authors_count ? `${hit.authors_count} authors` : undefined);
  return [hit.date, who, hit.upvotes ? `${hit.upvotes} upvotes` : undefined, `topic: ${hit.cluster.label}`].filter(Boolean).join(' · ');
}

export function printResults(results: Array<SearchHit & { shared_terms?: string[] }>, summary?: { total: number; tookMs: number; nextOffset?: number | null }): void {
  if (results.length === 0) {
    write(summary && summary.total > 0 ? `No papers this far down: ${summary.total} match.` : 'No papers match. Try fewer or other words, another --mode, or no quotes.');
  }
  results.forEach((hit, rank) => {
    write(`${String(rank + 1).padStart(2)}. ${hit.title}`);
    write(`    ${hit.id} · ${metadata(hit)}`);
    if (hit.shared_terms?.length) write(`    shared: ${hit.shared_terms.join(', ')}`);
    write(`    ${hit.snippet}`);
    write();
  });
  if (summary && results.length > 0) {
    write(`${results.length} of ${summary.total} shown (${summary.tookMs} ms)${summary.nextOffset ? `; more with --offset ${summary.nextOffset}` : ''}`);
  }
}

export function printClusters(clusters: ReturnType<SearchEngine['clusters']>['clusters']): void {
  for (const cluster of clusters) {
    write(`[${cluster.id}] ${cluster.label} (${cluster.size} papers)`);
    write(`    keywords: ${cluster.keywords.slice(0, 6).map((keyword) => keyword.term).join(', ')}`);
    for (const paper of cluster.representatives) write(`    - ${paper.title}`);
    write();
  }
}

export function printAnswer(response: { answer: string; grounded: boolean; partial: boolean; citations: Array<{ id: string; title: string }>; seeAlso: Array<{ id: string; title: string }> }): void {
  if (response.partial) write('The abstracts answer this question only in part.\n');
  write(response.answer);
  if (response.citations.length > 0) write();
  for (const [index, citation] of response.citations.entries()) write(`[${index + 1}] ${citation.title} (${citation.id})`);
  if (response.seeAlso.length > 0) {
    write();
    write(response.grounded ? 'See also:' : 'Closest papers:');
    for (const paper of response.seeAlso) write(`  - ${paper.title} (${paper.id})`);
  }
}

export function printStatus(status: ReturnType<SearchEngine['status']>): void {
  write(`Paperscope ${status.version}`);
  write(`${status.papers} papers, ${status.topics} topics, built ${status.built_at} in ${(status.build_ms / 1000).toFixed(1)} s`);
  write(`embedder: ${status.embedder.kind} (${status.embedder.model}, ${status.embedder.dimension} dimensions)${status.fallback ? ' — offline fallback, lower quality' : ''}`);
}
