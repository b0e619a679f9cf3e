import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createReporter, formatByteProgress } from '../../cli/reporter.js';

/** Collects what the reporter writes; `isTTY` decides whether bars are drawn. */
function captureStream(isTTY: boolean): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY, columns: 120 },
  );
  // Cursor movement and colour codes are dropped: the test reads the text a user sees.
  return { stream, text: () => stripVTControlCharacters(chunks.join('')) };
}

describe('formatByteProgress', () => {
  it('shows both figures in the unit of the total', () => {
    expect(formatByteProgress(12_345_678, 86_200_000)).toBe('12.3/86.2 MB');
    expect(formatByteProgress(0, 86_200_000)).toBe('0.0/86.2 MB');
    expect(formatByteProgress(650, 2_048)).toBe('0.7/2.0 kB');
    expect(formatByteProgress(512, 700)).toBe('512/700 B');
    expect(formatByteProgress(1_500_000_000, 2_000_000_000)).toBe('1.5/2.0 GB');
  });

  it('shows only the bytes done when the size is unknown', () => {
    expect(formatByteProgress(3_400_000, 0)).toBe('3.4 MB');
  });
});

describe('createReporter', () => {
  it('draws a model download as a bar with bytes on a terminal', () => {
    const { stream, text } = captureStream(true);
    const reporter = createReporter({ stream });
    const download = { type: 'progress', stage: 'Downloading onnx/model.onnx', unit: 'bytes' } as const;
    reporter.onEvent({ ...download, done: 12_300_000, total: 86_200_000 });
    expect(text()).toMatch(/^Downloading onnx\/model\.onnx \[[█░]+\] 12\.3\/86\.2 MB/);
    reporter.onEvent({ ...download, done: 86_200_000, total: 86_200_000 });
    reporter.onEvent({ ...download, done: 86_200_000, total: 86_200_000 });
    expect(text()).toContain('Downloading onnx/model.onnx [████████████████████████████████████████] 86.2/86.2 MB');
    expect(text().match(/86\.2\/86\.2 MB/g)).toHaveLength(1);
    reporter.onEvent({ type: 'info', message: 'Embedder: transformer' });
    expect(text().trimEnd().split('\n').at(-1)).toBe('Embedder: transformer');
  });

  it('keeps counting items for other stages', () => {
    const { stream, text } = captureStream(true);
    const reporter = createReporter({ stream });
    reporter.onEvent({ type: 'progress', stage: 'Embedding', done: 16, total: 62 });
    reporter.stop();
    expect(text()).toMatch(/^Embedding {2}\[[█░]+\] 16\/62 25%/);
  });

  it('logs each finished download as one line when there is no terminal', () => {
    const { stream, text } = captureStream(false);
    const reporter = createReporter({ stream });
    for (const done of [0, 40_000_000, 86_200_000, 86_200_000]) {
      reporter.onEvent({ type: 'progress', stage: 'Downloading onnx/model.onnx', unit: 'bytes', done, total: 86_200_000 });
    }
    reporter.onEvent({ type: 'progress', stage: 'Embedding', done: 62, total: 62 });
    expect(text()).toBe('Downloaded onnx/model.onnx (86.2 MB)\n');
  });

  it('writes a line every few seconds of a long stage when there is no terminal, and one when it is done', () => {
    const { stream, text } = captureStream(false);
    let clock = 0;
    const reporter = createReporter({ stream, now: () => clock, lineEveryMs: 5_000 });
    const embedding = (done: number) => reporter.onEvent({ type: 'progress', stage: 'Embedding', done, total: 5_000 });
    embedding(0);
    clock = 2_000;
    embedding(1_000);
    clock = 5_500;
    embedding(2_000);
    clock = 7_000;
    embedding(3_000);
    clock = 11_000;
    embedding(4_000);
    embedding(5_000);
    expect(text()).toBe('Embedding: 2,000 of 5,000 (40%)\nEmbedding: 4,000 of 5,000 (80%)\nEmbedding: 5,000 of 5,000, done\n');
    // A short stage writes nothing.
    reporter.onEvent({ type: 'progress', stage: 'Building', done: 1, total: 4 });
    reporter.onEvent({ type: 'progress', stage: 'Building', done: 4, total: 4 });
    expect(text().split('\n')).toHaveLength(4);
  });

  it('prints only warnings when quiet', () => {
    const { stream, text } = captureStream(true);
    const reporter = createReporter({ stream, quiet: true });
    reporter.onEvent({ type: 'progress', stage: 'Downloading config.json', unit: 'bytes', done: 10, total: 700 });
    reporter.onEvent({ type: 'info', message: 'Converting word vectors once into /tmp/x…' });
    reporter.onEvent({ type: 'warning', message: 'word vectors are used instead' });
    expect(text()).toBe('warning: word vectors are used instead\n');
  });
});
