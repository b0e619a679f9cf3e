import type { ClusterRef } from '../api.js';
import { clusterColor } from '../lib/palette.js';
import { topicHref } from '../lib/route.js';

/** A link that filters the search by this topic, keeping the current query. */
export function TopicChip({ cluster, query }: { cluster: ClusterRef; query?: string }) {
  return (
    <a class="chip chip-topic" href={topicHref(cluster.id, query)} title={`Show papers in “${cluster.label}”`}>
      <span class="swatch" aria-hidden="true" style={{ backgroundColor: clusterColor(cluster.id) }} />
      {cluster.label}
    </a>
  );
}
