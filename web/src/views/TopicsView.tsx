import { useState } from 'preact/hooks';
import type { Cluster } from '../api.js';
import { Sparkline } from '../components/Sparkline.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { type Load, type SecondLevel, useClusters, useDocumentTitle, useSecondLevel } from '../hooks.js';
import { plural } from '../lib/format.js';
import { clusterColor } from '../lib/palette.js';
import { paperHref, topicHref } from '../lib/route.js';

export function TopicsView() {
  useDocumentTitle('Topics');
  const clusters = useClusters();
  const secondLevel = useSecondLevel();

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
          <p class="hint">{plural(clusters.data.length, 'topic')} found by clustering the papers. Open a topic to search within it.</p>
          <ul class="topic-grid">
            {clusters.data.map((cluster) => (
              <TopicCard key={cluster.id} cluster={cluster} secondLevel={secondLevel} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

const SUBTOPIC_PAPERS = 4;

function TopicCard({ cluster, secondLevel }: { cluster: Cluster; secondLevel: Load<Map<number, SecondLevel>> }) {
  const [open, setOpen] = useState(false);
  const headingId = `topic-${cluster.id}`;
  const sub = secondLevel.state === 'ready' ? secondLevel.data.get(cluster.id) : undefined;
  const shown = open ? sub : undefined;

  return (
    // An open card spans the whole row, so its sub-topics sit side by side instead of stretching one column.
    <li class={shown && shown.clusters.length > 0 ? 'topic-card is-expanded' : 'topic-card'} aria-labelledby={headingId}>
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
      {sub && sub.clusters.length > 0 ? (
        // The second level at a glance, as the map's sub-topic level names it.
        <p class="chips subtopic-names">
          <span class="chips-heading">Sub-topics:</span>
          {sub.clusters.map((child) => (
            <span class="chip" key={child.id}>
              {child.label}
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
      <div class="topic-actions">
        <button
          type="button"
          class="button button-small"
          aria-expanded={shown !== undefined}
          aria-controls={`${headingId}-subtopics`}
          onClick={() => setOpen(!open)}
          disabled={sub === undefined}
        >
          {secondLevel.state === 'loading' ? 'Loading sub-topics…' : shown ? 'Hide sub-topics' : 'Show sub-topics'}
        </button>
      </div>
      {secondLevel.state === 'error' ? <ErrorMessage error={secondLevel.error} context="Could not load sub-topics" /> : null}
      {shown ? (
        <section class="subtopics-panel" id={`${headingId}-subtopics`} aria-label={`Sub-topics of ${cluster.label}`}>
          {shown.clusters.length === 0 ? (
            <p class="hint">{shown.reason ?? 'This topic is too small to split.'}</p>
          ) : (
            <ul class="subtopics">
              {shown.clusters.map((child) => (
                <li key={child.id}>
                  <h3 class="subtopic-title">
                    {child.label} <span class="topic-size">{plural(child.size, 'paper')}</span>
                  </h3>
                  <ul class="topic-papers">
                    {child.papers.slice(0, SUBTOPIC_PAPERS).map((paper) => (
                      <li key={paper.id}>
                        <a href={paperHref(paper.id)}>{paper.title}</a>
                      </li>
                    ))}
                  </ul>
                  {child.papers.length > SUBTOPIC_PAPERS ? (
                    <p class="hint">and {plural(child.papers.length - SUBTOPIC_PAPERS, 'more paper')}</p>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </li>
  );
}
