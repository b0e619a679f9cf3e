/**
 * Converts a BEIR corpus (`{ "_id", "title", "text" }` per line) into the JSONL papers that
 * `paperscope index` reads (`id`, `title`, `abstract`), for measuring topics on SciFact:
 *
 *   npx tsx bench/beir-to-jsonl.ts ../shared/datasets/scifact/corpus.jsonl /tmp/scifact.jsonl
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: beir-to-jsonl.ts <corpus.jsonl> <out.jsonl>');
const lines: string[] = [];
for await (const line of createInterface({ input: createReadStream(input) })) {
  if (line.trim() === '') continue;
  const record = JSON.parse(line) as { _id: string; title?: string; text?: string };
  // BEIR titles may be empty; the indexer needs one, so the abstract's first words stand in.
  const title = record.title?.trim() || (record.text ?? '').split(/\s+/).slice(0, 12).join(' ');
  lines.push(JSON.stringify({ id: record._id, title, abstract: record.text ?? '' }));
}
await writeFile(output, `${lines.join('\n')}\n`);
console.log(`${lines.length} papers written to ${output}`);
