export { type DataDirLayout, dataDirLayout, readJsonIfPresent, replaceFileAtomically, sha256OfFile, writeJsonAtomically } from './files.js';
export { type Manifest, manifestSchema, readManifest, writeManifest } from './manifest.js';
export { PapersTable, type StoredPaper } from './papers-table.js';
export { readTopicsFile, type Topic, type TopicsFile, topicsFileSchema, writeTopicsFile } from './topics-file.js';
export { acquireWriterLock } from './lock.js';
