import type { MapPoint } from './schemas.js';
import type { EngineState } from './state.js';

/** The papers' 2-D map positions (computed at index time), each with its topic. */
export function map(state: EngineState): { points: MapPoint[] } {
  return {
    points: state.topics.map.flatMap(({ id, x, y }) => {
      const position = state.positionById.get(id);
      if (position === undefined) return [];
      return [{ id, title: state.papers.at(position)?.title ?? '', x, y, cluster: state.topicOfPaper[position] ?? 0 }];
    }),
  };
}
