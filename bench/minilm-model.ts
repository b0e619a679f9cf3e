/**
 * The all-MiniLM-L6-v2-sized model folder the transformer benchmarks run on (random weights, the
 * real architecture and size; see `makeMiniLmSizedModel`), built once into the cache dir, never
 * into the repository: `npx tsx bench/minilm-model.ts` prints its path.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSettings } from '../core/config.js';
import { loadWordVectors } from '../indexer/embed/word-vectors/cache.js';
import { makeMiniLmSizedModel } from '../scripts/make-tiny-model.js';

/**
 * Raised when the generator changes what it writes, so a folder cached by an older one is built
 * again: 2 exports GELU as PyTorch does (ONNX Runtime fuses it, as in the hub's files) and writes
 * sentence_bert_config.json.
 */
const GENERATION = 2;
const STAMP = 'paperscope-generation.json';

/** The folder, generated first when missing or older (about 10 s; 90 MB plus its 58 MB quantized copy). */
export async function miniLmSizedModel(cacheDir: string, log: (line: string) => void = () => {}): Promise<string> {
  const folder = path.join(cacheDir, 'bench-models', 'minilm-l6-sized');
  const stamp = await readFile(path.join(folder, STAMP), 'utf8').then(
    (text) => (JSON.parse(text) as { generation?: number }).generation,
    () => undefined,
  );
  if (stamp !== GENERATION) {
    log(`Generating a MiniLM-L6-sized model (random weights) into ${folder}`);
    await rm(folder, { recursive: true, force: true });
    const { words } = await loadWordVectors(cacheDir);
    await makeMiniLmSizedModel(
      folder,
      Array.from({ length: words.length }, (_, row) => words.at(row) ?? ''),
    );
    await writeFile(path.join(folder, STAMP), `${JSON.stringify({ generation: GENERATION })}\n`);
  }
  return folder;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await miniLmSizedModel(readSettings().cacheDir, (line) => console.error(line)));
}
