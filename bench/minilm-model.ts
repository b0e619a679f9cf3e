/**
 * The all-MiniLM-L6-v2-sized model folder the transformer benchmarks run on (random weights, the
 * real architecture and size; see `makeMiniLmSizedModel`), built once into the cache dir, never
 * into the repository: `npx tsx bench/minilm-model.ts` prints its path.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSettings } from '../core/config.js';
import { loadWordVectors } from '../indexer/embed/word-vectors/cache.js';
import { makeMiniLmSizedModel } from '../scripts/make-tiny-model.js';

/** The folder, generated first when missing (about 10 s; 90 MB plus its 58 MB quantized copy). */
export async function miniLmSizedModel(cacheDir: string, log: (line: string) => void = () => {}): Promise<string> {
  const folder = path.join(cacheDir, 'bench-models', 'minilm-l6-sized');
  const exists = await access(path.join(folder, 'onnx', 'model_quantized.onnx')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    log(`Generating a MiniLM-L6-sized model (random weights) into ${folder}`);
    const { words } = await loadWordVectors(cacheDir);
    await makeMiniLmSizedModel(folder, words);
  }
  return folder;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await miniLmSizedModel(readSettings().cacheDir, (line) => console.error(line)));
}
