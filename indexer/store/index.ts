export {
  type DataDirLayout,
  dataDirLayout,
  readChecksummedJson,
  readJsonIfPresent,
  replaceFileAtomically,
  sha256,
  sha256OfFile,
  writeChecksummedJson,
  writeJsonAtomically,
} from './files.js';
export { type Manifest, manifestSchema, readManifest, writeManifest } from './manifest.js';
export { type PaperRecord, PapersTable, type StoredPaper } from './papers-table.js';
export { readTopicsFile, type Topic, type TopicsFile, topicsFileSchema, writeTopicsFile } from './topics-file.js';
export { acquireWriterLock } from './lock.js';
