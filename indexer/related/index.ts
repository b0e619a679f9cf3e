export { readRelatedFile, writeRelatedFile } from './file.js';
export { buildRelatedViewOffThread, type RelatedViewBuild, startRelatedView } from './job.js';
export { buildRelatedView, type RelatedView, topicMixtures } from './view.js';
