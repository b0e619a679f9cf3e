/** Topics: k-means clusters of paper vectors, their labels, timelines and a 2-D map. */
export { type ClusterInput, type Clustering, DEFAULT_CLUSTER_SEED, assignToNearest, clusterPapers, representatives } from './kmeans.js';
export { type LabelInput, type TopicLabel, labelTopics } from './labels.js';
export { DEFAULT_MAP_SAMPLE_SIZE, type MapOptions, type MapPoint, layoutMap } from './layout.js';
export { adjustedRandIndex, normalizedMutualInfo, silhouetteScore } from './metrics.js';
export { type TopicTimeline, topicTimeline } from './timeline.js';
