export { readRelatedFile, writeRelatedFile } from './file.js';
export { buildRelatedViewOffThread } from './job.js';
export { buildRelatedView, type RelatedView, topicMixtures } from './view.js';
