import { ApiError } from '../api.js';
import { useStatus } from '../hooks.js';
import { plural } from '../lib/format.js';

/** Which index and embedder the server is using; the offline fallback is flagged because results are weaker. */
export function StatusBadge() {
  const status = useStatus();
  if (status.state === 'error') {
    const noIndex = status.error instanceof ApiError && status.error.status === 503;
    return (
      <span class="badge badge-error" role="status" title={status.error.message}>
        {noIndex ? 'No index yet' : 'Server unavailable'}
      </span>
    );
  }
  if (status.state !== 'ready') return <span class="badge badge-muted">Connecting…</span>;
  const { papers, embedder, fallback, built_at, llm, preparing = [] } = status.data;
  const detail = `${embedder.kind} · ${embedder.model} · ${embedder.dimension} dimensions${built_at ? ` · built ${built_at.slice(0, 10)}` : ''}${llm ? ' · answers written by a language model' : ''}`;
  // Parts being rebuilt when the page loaded: what needs them answers once they are done.
  const rebuilding = preparing.map(({ part, reason }) => `rebuilding the ${part} (${reason})`).join('; ');
  return (
    <span
      class={fallback || rebuilding ? 'badge badge-warn' : 'badge'}
      title={rebuilding ? `${detail} · ${rebuilding}` : detail}
      data-fallback={fallback}
    >
      {plural(papers, 'paper')} · {fallback ? 'offline word vectors: lower quality' : embedder.model}
      {rebuilding ? ` · preparing the ${preparing.map(({ part }) => part).join(' and ')}` : ''}
    </span>
  );
}
