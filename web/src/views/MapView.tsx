import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { MapCanvas, type MapLevel, type MapSubtopic } from '../components/MapCanvas.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { useApi, useClusters, useDocumentTitle, useSecondLevel } from '../hooks.js';
import { plural } from '../lib/format.js';
import { clusterColor } from '../lib/palette.js';
import { paperHref } from '../lib/route.js';
import { navigate } from '../router.js';

/** Search results shown on the map: enough to see where a query's subject lies. */
const HIGHLIGHTED_RESULTS = 50;

export function MapView({ query }: { query: string }) {
  useDocumentTitle('Map');
  const map = useApi((signal) => api.map(signal).then((body) => body.points), []);
  const results = useApi(
    (signal) =>
      query
        ? api.search({ q: query, k: HIGHLIGHTED_RESULTS }, signal).then((body) => new Set(body.results.map((hit) => hit.id)))
        : Promise.resolve(new Set<string>()),
    [query],
  );
  const highlighted = results.state === 'ready' ? results.data : undefined;
  const clusters = useClusters();
  const secondLevel = useSecondLevel();
  const subtopics = useMemo<MapSubtopic[] | undefined>(
    () =>
      secondLevel.state === 'ready'
        ? [...secondLevel.data].flatMap(([topic, { clusters: parts }]) =>
            parts.map((part) => ({ topic, label: part.label, papers: part.papers.map((paper) => paper.id) })),
          )
        : undefined,
    [secondLevel],
  );
  const [level, setLevel] = useState<MapLevel>('topics');
  const [focus, setFocus] = useState<number | null>(null);
  const labels = new Map((clusters.state === 'ready' ? clusters.data : []).map((c) => [c.id, c.label]));
  const counts = new Map<number, number>();
  for (const point of map.state === 'ready' ? map.data : []) counts.set(point.cluster, (counts.get(point.cluster) ?? 0) + 1);

  return (
    <div class="map-view">
      <h1>Map</h1>
      {map.state === 'error' ? (
        <ErrorMessage error={map.error} context="Could not load the map" />
      ) : map.state !== 'ready' ? (
        <Loading label="Loading map…" />
      ) : map.data.length === 0 ? (
        <Empty>The index has no papers to map yet.</Empty>
      ) : (
        <>
          <p class="hint">
            {plural(map.data.length, 'paper')} placed by similarity: nearby dots are about similar things. Hover for a title, click to open.
            {query && highlighted ? (
              <span class="map-query" data-highlighted={highlighted.size}>
                {' '}
                The {plural(highlighted.size, 'best result')} for “{query}” are ringed.
              </span>
            ) : null}
          </p>
          <div class="map-layout">
            <MapCanvas
              points={map.data}
              labels={labels}
              focus={focus}
              highlighted={highlighted}
              subtopics={subtopics}
              level={level}
              onOpen={(id) => navigate(paperHref(id))}
            />
            <section class="legend" aria-labelledby="legend-heading">
              <h2 id="legend-heading">Topics</h2>
              {/* Nomic Atlas style levels: the names drawn are the topics' or, a level deeper, their sub-topics'. */}
              <fieldset class="map-levels">
                <legend class="visually-hidden">Names on the map</legend>
                {(['topics', 'subtopics'] as const).map((choice) => (
                  <button
                    key={choice}
                    type="button"
                    class="button button-small"
                    aria-pressed={level === choice}
                    disabled={choice === 'subtopics' && !subtopics}
                    onClick={() => setLevel(choice)}
                  >
                    {choice === 'topics' ? 'Topics' : 'Sub-topics'}
                  </button>
                ))}
              </fieldset>
              <ul>
                {[...counts.keys()]
                  .sort((a, b) => a - b)
                  .map((cluster) => (
                    <li key={cluster}>
                      <button
                        type="button"
                        class="legend-item"
                        aria-pressed={focus === cluster}
                        onClick={() => setFocus(focus === cluster ? null : cluster)}
                      >
                        <span class="swatch" aria-hidden="true" style={{ backgroundColor: clusterColor(cluster) }} />
                        <span class="legend-label">{labels.get(cluster) ?? `Topic ${cluster}`}</span>
                        <span class="legend-count">{counts.get(cluster)}</span>
                      </button>
                    </li>
                  ))}
              </ul>
              <p class="hint">Select a topic to highlight it. Zoom in, or choose Sub-topics, to name each topic's sub-topics.</p>
            </section>
          </div>
        </>
      )}
    </div>
  );
}
