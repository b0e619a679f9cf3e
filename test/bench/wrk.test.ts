import { describe, expect, it } from 'vitest';
import { pathOf } from '../../bench/http.js';
import { WRK_DONE, wrkArguments, wrkFigures, wrkPaths, wrkScript } from '../../bench/wrk.js';

describe("serve-load's wrk client", () => {
  it('sends the paths autocannon sends, in order, then distinct spares for the requests past the count', () => {
    const queries = ['noisy rewards', 'reward hacking'];
    const pathAt = (n: number) => pathOf(queries, n, 'distinct');
    const paths = wrkPaths(pathAt, 5, 3, 100);
    expect(paths.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map(pathAt));
    expect(paths.slice(5)).toEqual([pathAt(100), pathAt(101), pathAt(102)]);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('stops after the count of answers and says so, reading the paths from the file it is given', () => {
    const script = wrkScript('/scratch/paths.txt', 20_000);
    expect(script).toContain('io.lines("/scratch/paths.txt")');
    expect(script).toContain('if answered == 20000 then');
    expect(script).toContain(`io.stderr:write("${WRK_DONE}\\n")`);
    expect(script).toContain('wrk.thread:stop()');
  });

  it('runs one thread at the given connections with autocannon’s timeout, the script ending the run', () => {
    expect(wrkArguments('http://127.0.0.1:8080', 50, 'load.lua')).toEqual([
      '--threads',
      '1',
      '--connections',
      '50',
      '--timeout',
      '10s',
      '--duration',
      '1h',
      '--script',
      'load.lua',
      'http://127.0.0.1:8080',
    ]);
  });

  it("reads the script's report in ms, errors split as autocannon splits them", () => {
    const line = '{"total":20000,"durationUs":12500000,"p50Us":28150,"p99Us":47020,"connect":1,"read":2,"write":3,"status":4,"timeout":5}';
    expect(wrkFigures(line)).toEqual({ total: 20_000, durationS: 12.5, p50: 28.15, p99: 47.02, errors: 6, timeouts: 5, non2xx: 4 });
    expect(() => wrkFigures('{"total":1}')).toThrow(/lacks durationUs/);
  });
});
