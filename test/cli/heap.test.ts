import { describe, expect, it } from 'vitest';
import { type HeapSituation, heapFlag, RELAUNCHED_VARIABLE } from '../../cli/heap.js';

const GIB = 2 ** 30;
const situation = (overrides: Partial<HeapSituation> = {}): HeapSituation => ({
  argv: ['node', 'main.js', 'index', 'papers/', '--json'],
  execArgv: [],
  env: {},
  heapLimitMb: 4144,
  memoryBytes: 24 * GIB,
  ...overrides,
});

describe('the heap an index run gets', () => {
  it('is three quarters of the memory for index and remove, past V8’s default', () => {
    expect(heapFlag(situation())).toBe('--max-old-space-size=18432');
    expect(heapFlag(situation({ argv: ['node', 'main.js', 'remove', 'some-id'] }))).toBe('--max-old-space-size=18432');
  });

  it('leaves other commands, small machines, a user’s own limit and a relaunched process alone', () => {
    expect(heapFlag(situation({ argv: ['node', 'main.js', 'serve'] }))).toBeUndefined();
    expect(heapFlag(situation({ argv: ['node', 'main.js', '--help'] }))).toBeUndefined();
    expect(heapFlag(situation({ memoryBytes: 4 * GIB }))).toBeUndefined();
    expect(heapFlag(situation({ execArgv: ['--max-old-space-size=8000'] }))).toBeUndefined();
    expect(heapFlag(situation({ env: { NODE_OPTIONS: '--max-old-space-size=8000' } }))).toBeUndefined();
    expect(heapFlag(situation({ env: { [RELAUNCHED_VARIABLE]: '1' } }))).toBeUndefined();
  });
});
