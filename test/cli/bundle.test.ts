import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type * as WorkerModule from '../../core/worker.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';
import type * as TermsJobModule from '../../indexer/lexical/terms-job.js';
import { EXTERNAL_PACKAGES, unbundledRequire } from '../../scripts/bundle-cli.js';
import { cliBuildDir } from '../helpers/cli-build.js';
import { INDEX_SAMPLE_MS, UNIT_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';
import { cliEntry, outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

const TOKEN = 'bundle test token';

/**
 * What running `script` (an ES module, in a fresh Node) loads: whether any ES module of the MCP SDK
 * was loaded (a loader hook writes each one to a file) and whether LanceDB's CommonJS copy of
 * apache-arrow was required.
 */
async function loadedBy(script: string): Promise<{ mcpSdk: boolean; lanceArrow: boolean }> {
  const scratch = await temporaryDir('paperscope-loaded-');
  try {
    const log = path.join(scratch.dir, 'loaded.txt');
    const hook = `import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) {
        if (url.includes('/@modelcontextprotocol/sdk/')) appendFileSync(${JSON.stringify(log)}, url + '\\n');
        return next(url, context);
      }`;
    const boot = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const check = `${script}
      import { createRequire } from 'node:module';
      if (Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('apache-arrow/Arrow.node.js'))) console.log('LANCE ARROW');`;
    const child = spawn(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(boot)}`, '--input-type=module', '-e', check],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const { code, stdout, stderr } = await outcomeOf(child);
    expect(code, stderr).toBe(0);
    const loaded = await readFile(log, 'utf8').catch(() => '');
    return { mcpSdk: loaded.length > 0, lanceArrow: stdout.includes('LANCE ARROW') };
  } finally {
    await scratch.remove();
  }
}

/** A module of the test CLI's per-file build, as a URL. */
function built(file: string): string {
  return pathToFileURL(path.join(cliBuildDir(inject('scratchRoot')), file)).href;
}

describe('the CLI bundle (scripts/bundle-cli.ts)', () => {
  it('is main.js and its chunks: they import only Node built-ins, the packages left outside, and each other', async () => {
    // esbuild reads the bundle's own imports, static and dynamic (a file of the CLI would be an input of its own).
    const { metafile } = await build({
      entryPoints: [cliEntry()],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const files = Object.keys(metafile.inputs).map((file) => path.resolve(file));
    expect(
      files.filter((file) => path.dirname(file) !== path.dirname(cliEntry()) || !/^(main|chunk-\w+)\.js$/.test(path.basename(file))),
    ).toEqual([]);
    // What `serve` does not need is in chunks read on first use: the BibTeX and LaTeX parsers among them.
    expect(files.length).toBeGreaterThan(1);
    expect(await readFile(cliEntry(), 'utf8')).not.toContain('unicode2latex');
    const imported = Object.values(metafile.inputs).flatMap((input) =>
      input.imports.filter((entry) => !entry.path.includes('chunk-')).map((entry) => entry.path),
    );
    const outside = imported.filter(
      (name) => !name.startsWith('node:') && !EXTERNAL_PACKAGES.some((pkg) => pkg === name || name.startsWith(pkg.replace('*', ''))),
    );
    expect(outside).toEqual([]);
    expect(imported).toContain('hnswlib-node');
    for (const file of files) expect(unbundledRequire(await readFile(file, 'utf8'))).toBeUndefined();
  });

  it(
    "starts the worker lane and its tasks from the workers' bundles, which answer as the modules do",
    async () => {
      const { WorkerLane, workerModuleUrl } = (await import(built('core/worker.js'))) as typeof WorkerModule;
      const { countCorpusTermsOffThread } = (await import(built('indexer/lexical/terms-job.js'))) as typeof TermsJobModule;
      // Each worker module of the build has its bundle, and that is what a worker starts; a module without one is started as it is.
      expect(workerModuleUrl(new URL(built('core/lane-worker.js'))).href).toBe(built('workers/core-lane-worker.js'));
      expect(workerModuleUrl(new URL(built('indexer/lexical/terms-worker.js'))).href).toBe(
        built('workers/indexer-lexical-terms-worker.js'),
      );
      expect(workerModuleUrl(new URL(built('indexer/lexical/terms-job.js'))).href).toBe(built('indexer/lexical/terms-job.js'));
      const docs = [
        { title: 'Reward noise', abstract: 'Noisy rewards hurt policies; robust policies resist noise.' },
        { title: 'Galaxy redshift', abstract: 'Stellar redshift surveys map cosmic structure.' },
      ];
      const lane = new WorkerLane();
      try {
        const counted = await countCorpusTermsOffThread(docs, { positions: true }, undefined, lane);
        expect(counted).toEqual(countCorpusTerms(docs, { positions: true }));
      } finally {
        lane.release();
      }
    },
    UNIT_TEST_MS,
  );

  it('finds a package file required at run time, which a bundle cannot serve', () => {
    // jsonc-parser's UMD build, as it was bundled before the ES module build was chosen.
    expect(unbundledRequire('const formatter = require2("./impl/format");')).toBe('./impl/format');
    expect(unbundledRequire('const fs = require("node:fs"); const x = __require("zod");')).toBeUndefined();
  });

  it(
    "loads neither the MCP SDK nor LanceDB's copy of apache-arrow for a server, until they are used",
    async () => {
      expect(await loadedBy(`await import(${JSON.stringify(built('server/index.js'))});`)).toEqual({ mcpSdk: false, lanceArrow: false });
      // Both are seen once used: /mcp's server on its first request, an index's first write.
      const using = [
        `await import(${JSON.stringify(built('server/index.js'))});`,
        `await import(${JSON.stringify(built('server/mcp/index.js'))});`,
        `(await import(${JSON.stringify(built('indexer/store/papers-table.js'))})).briefsToArrowFile([]);`,
      ].join('\n');
      expect(await loadedBy(using)).toEqual({ mcpSdk: true, lanceArrow: true });
    },
    UNIT_TEST_MS * 3,
  );

  describe('serve, from the bundle', () => {
    let dataDir: string;
    let child: ReturnType<typeof spawnCli>;
    let url: URL;
    beforeAll(async () => {
      dataDir = await buildSampleIndex();
      child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--mcp'], {
        PAPERSCOPE_ADMIN_TOKEN: TOKEN,
        PAPERSCOPE_RELOAD_INTERVAL_MS: '0',
      });
      url = await serverUrl(child);
    }, INDEX_SAMPLE_MS);
    afterAll(async () => {
      const outcome = outcomeOf(child);
      child.kill('SIGTERM');
      await outcome;
    });

    it(
      'answers a search, MCP on its first request, and adds papers in a worker started from the bundle',
      async () => {
        const search = await fetch(new URL('/api/search?q=reward%20noise&k=3', url));
        expect(search.status).toBe(200);
        expect(((await search.json()) as { results: unknown[] }).results).toHaveLength(3);

        const mcp = await fetch(new URL('/mcp', url), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        expect(mcp.status).toBe(200);
        const tools = ((await mcp.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map((tool) => tool.name);
        expect(tools).toContain('search_papers');

        // indexer/worker.ts starts its worker-entry.js next to its own compiled file, not next to the bundle.
        const paper = {
          id: '2601.00009',
          title: 'Quokka gradients: marsupial-inspired optimisation for sparse transformers',
          abstract: 'We introduce quokka gradients, an optimiser that keeps sparse transformer training stable.',
        };
        const added = await fetch(new URL('/api/papers', url), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify([paper]),
        });
        expect(added.status, await added.clone().text()).toBe(200);
        expect(await added.json()).toMatchObject({ added: 1, total: 63 });
        const found = (await (await fetch(new URL('/api/search?q=quokka%20gradients&k=1', url))).json()) as {
          results: Array<{ id: string }>;
        };
        expect(found.results[0]?.id).toBe(paper.id);
      },
      INDEX_SAMPLE_MS,
    );
  });
});
