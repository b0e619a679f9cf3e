import { useState } from 'preact/hooks';
import { ApiError, api, type Cluster, isAbort } from '../api.js';
import { Sparkline } from '../components/Sparkline.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { useApi, useClusters, useDocumentTitle } from '../hooks.js';
import { plural } from '../lib/format.js';
import { clusterColor } from '../lib/palette.js';
import { paperHref, topicHref } from '../lib/route.js';

export function TopicsView() {
  useDocumentTitle('Topics');
  const clusters = useClusters();
  const first = clusters.state === 'ready' ? clusters.data[0] : undefined;
  // Sub-topics are optional on the server: ask once for the first topic and show the buttons only if
  // that works. Its answer is handed to the first card so the probe is not wasted.
  const probe = useApi((signal) => (first ? api.subtopics(first.id, signal) : undefined), [first?.id]);
  const subtopics = probe.state === 'ready' || (probe.state === 'error' && !(probe.error instanceof ApiError && probe.error.status === 404));

  return (
    <div class="topics-view">
      <h1>Topics</h1>
      {clusters.state === 'error' ? (
        <ErrorMessage error={clusters.error} context="Could not load topics" />
      ) : clusters.state !== 'ready' ? (
        <Loading label="Loading topics…" />
      ) : clusters.data.length === 0 ? (
        <Empty>The index has no topics yet.</Empty>
      ) : (
        <>
          <p class="hint">
            {plural(clusters.data.length, 'topic')} found by clustering the papers. Open a topic to search within it.
          </p>
          <ul class="topic-grid">
            {clusters.data.map((cluster) => (
              <TopicCard
                key={cluster.id}
                cluster={cluster}
                subtopics={subtopics}
                prefetched={cluster === first && probe.state === 'ready' ? probe.data.clusters : undefined}
              />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

type SubState = { state: 'closed' } | { state: 'loading' } | { state: 'ready'; clusters: Cluster[] } | { state: 'error'; error: Error };

function TopicCard({ cluster, subtopics, prefetched }: { cluster: Cluster; subtopics: boolean; prefetched?: Cluster[] }) {
  const [sub, setSub] = useState<SubState>({ state: 'closed' });
  const headingId = `topic-${cluster.id}`;

  const toggle = async () => {
    if (sub.state === 'ready') return setSub({ state: 'closed' });
    if (prefetched) return setSub({ state: 'ready', clusters: prefetched });
    setSub({ state: 'loading' });
    try {
      const body = await api.subtopics(cluster.id, new AbortController().signal);
      setSub({ state: 'ready', clusters: body.clusters });
    } catch (error) {
      if (!isAbort(error)) setSub({ state: 'error', error: error as Error });
    }
  };

  return (
    <li class="topic-card" aria-labelledby={headingId}>
      <div class="topic-head">
        <span class="swatch swatch-lg" aria-hidden="true" style={{ backgroundColor: clusterColor(cluster.id) }} />
        <h2 id={headingId}>
          <a href={topicHref(cluster.id)} data-topic-link={cluster.id}>
            {cluster.label}
          </a>
        </h2>
        <span class="topic-size">{plural(cluster.size, 'paper')}</span>
      </div>
      <Sparkline months={cluster.months} />
      {cluster.keywords.length > 0 ? (
        <p class="chips">
          <span class="visually-hidden">Keywords: </span>
          {cluster.keywords.slice(0, 8).map((keyword) => (
            <span class="chip chip-term" key={keyword.term}>
              {keyword.term}
            </span>
          ))}
        </p>
      ) : null}
      {cluster.representatives.length > 0 ? (
        <>
          <h3 class="topic-subheading">Representative papers</h3>
          <ul class="topic-papers">
            {cluster.representatives.slice(0, 3).map((paper) => (
              <li key={paper.id}>
                <a href={paperHref(paper.id)}>{paper.title}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {subtopics ? (
        <button type="button" class="button button-small" aria-expanded={sub.state === 'ready'} onClick={toggle} disabled={sub.state === 'loading'}>
          {sub.state === 'loading' ? 'Loading sub-topics…' : sub.state === 'ready' ? 'Hide sub-topics' : 'Show sub-topics'}
        </button>
      ) : null}
      {sub.state === 'error' ? <ErrorMessage error={sub.error} context="Could not load sub-topics" /> : null}
      {sub.state === 'ready' ? (
        sub.clusters.length === 0 ? (
          <p class="hint">This topic is too small to split.</p>
        ) : (
          <ul class="subtopics">
            {sub.clusters.map((child) => (
              <li key={child.id}>
                <strong>{child.label}</strong> <span class="topic-size">({child.size})</span>
                <ul class="topic-papers">
                  {child.papers.slice(0, 5).map((paper) => (
                    <li key={paper.id}>
                      <a href={paperHref(paper.id)}>{paper.title}</a>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </li>
  );
}
