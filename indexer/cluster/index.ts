/** Topics: NMF and k-means clusters of paper vectors and words, their labels, timelines and a 2-D map. */
export { assignToNearest } from './assign.js';
export { nmfTopics, sparseCosine, sparseKmeans } from './baselines.js';
export { classicTfIdf } from './classic-tfidf.js';
export { dominantTopics, type Factorization, foldIn, nmf } from './nmf.js';
export { shareChoiceRuns } from './choice-job.js';
export { type ClusterInput, type Clustering, clusterPapers, representatives } from './kmeans.js';
export {
  DESCRIBE_STAGE,
  type DescribeBuild,
  type DescribedPaper,
  type DescribeNext,
  describeInWorker,
  describeTextsInWorker,
} from './describe-job.js';
export { DEFAULT_CLUSTER_SEED } from './random.js';
export { type LabelInput, type TopicLabel, labelTopics } from './labels.js';
export { DEFAULT_MAP_SAMPLE_SIZE, extendMap, type MapOptions, type MapPoint, layoutMap } from './layout.js';
export { extendMapInWorker } from './map-job.js';
export { adjustedRandIndex, normalizedMutualInfo, silhouetteScore } from './metrics.js';
export { formatQualityReport, type QualityReport, type QualityReportOptions, qualityReport } from './report.js';
export { combineViews, denseRows, latentSemanticVectors, type TermMatrix, tfIdfMatrix } from './text-view.js';
export { describeSubtopics, secondLevel } from './subtopics.js';
export { type TopicTimeline, topicTimeline } from './timeline.js';
export {
  DEFAULT_RECLUSTER_GROWTH,
  describePartition,
  partitionTopics,
  reclusterReason,
  type TopicPartition,
  type TopicPolicy,
  type TopicSet,
  updateTopics,
} from './topic-set.js';
export {
  type DescribedTopic,
  MIN_SUBTOPIC_PAPERS,
  clusterTopics,
  clusterVectors,
  describeTopics,
  matchTopicIds,
  modelTopics,
  splitTopic,
  type TopicDoc,
  type TopicModel,
  type TopicModelOptions,
} from './topics.js';
