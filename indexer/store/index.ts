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
export {
  type Manifest,
  manifestSchema,
  parseManifest,
  readManifest,
  readManifestOrProblem,
  rebuildManifest,
  writeManifest,
} from './manifest.js';
export {
  type PaperBrief,
  PaperBriefs,
  type PaperDetails,
  type PaperRecord,
  type PaperRecords,
  PapersTable,
  type StoredPaper,
} from './papers-table.js';
export {
  readPreviousTopics,
  readTopicsFile,
  type SubtopicSet,
  type Topic,
  type TopicsFile,
  topicsFileSchema,
  writeTopicsFile,
  assignmentColumns,
  type AssignmentColumns,
} from './topics-file.js';
export { type RecordsBody, readRecordsFile, recordsBody, recordsFileProblem, writeRecordsFile } from './records-file.js';
export { openSealedBytes, openSealedFile, parseSealedHeader, readSealedFile, sealFile } from '../../core/sealed-file.js';
export { damagedFile, type LoadProblem, missingFile, staleFile, unreadableFile } from '../../core/load-problem.js';
export { acquireWriterLock } from './lock.js';
export { KnownIds } from './known-ids.js';
export { type DamagedPaper, damagedPapers } from './integrity.js';
export { type DataDirLocation, parseDataDir } from './location.js';
export { type DataDir, type DataDirOptions, openDataDir } from './remote-sync.js';
