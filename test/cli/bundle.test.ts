import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXTERNAL_PACKAGES, unbundledRequire } from '../../scripts/bundle-cli.js';
import { cliBuildDir } from '../helpers/cli-build.js';
import { INDEX_SAMPLE_MS, UNIT_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { cliEntry, outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

const TOKEN = 'bundle test token';

/**
 * What importing `modules` (in order, in a fresh Node) loads: the ES modules of the MCP SDK (seen
 * by a loader hook) and whether LanceDB's CommonJS copy of apache-arrow was required.
 */
async function loadedBy(modules: readonly string[]): Promise<{ mcpSdk: boolean; lanceArrow: boolean }> {
  const hook = `export async function load(url, context, next) {
    if (url.includes('/@modelcontextprotocol/sdk/')) process.stdout.write('MCP SDK\\n');
    return next(url, context);
  }`;
  const boot = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const script = [
    "import { createRequire } from 'node:module';",
    ...modules.map((module) => `await import(${JSON.stringify(module)});`),
    "if (Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('apache-arrow/Arrow.node.js'))) console.log('LANCE ARROW');",
  ].join('\n');
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(boot)}`, '--input-type=module', '-e', script],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { code, stdout, stderr } = await outcomeOf(child);
  expect(code, stderr).toBe(0);
  return { mcpSdk: stdout.includes('MCP SDK'), lanceArrow: stdout.includes('LANCE ARROW') };
}

/** A module of the test CLI's per-file build, as a URL. */
function built(file: string): string {
  return pathToFileURL(path.join(cliBuildDir(inject('scratchRoot')), file)).href;
}

describe('the CLI bundle (scripts/bundle-cli.ts)', () => {
  it('is one file: it imports only Node built-ins and the packages left outside it', async () => {
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
    expect(Object.keys(metafile.inputs)).toHaveLength(1);
    const imported = Object.values(metafile.inputs).flatMap((input) => input.imports.map((entry) => entry.path));
    const outside = imported.filter(
      (name) => !name.startsWith('node:') && !EXTERNAL_PACKAGES.some((pkg) => pkg === name || name.startsWith(pkg.replace('*', ''))),
    );
    expect(outside).toEqual([]);
    expect(imported).toContain('hnswlib-node');
    expect(unbundledRequire(await readFile(cliEntry(), 'utf8'))).toBeUndefined();
  });

  it('finds a package file required at run time, which a bundle cannot serve', () => {
    // jsonc-parser's UMD build, as it was bundled before the ES module build was chosen.
    expect(unbundledRequire('const formatter = require2("./impl/format");')).toBe('./impl/format');
    expect(unbundledRequire('const fs = require("node:fs"); const x = __require("zod");')).toBeUndefined();
  });

  it(
    "loads neither the MCP SDK nor LanceDB's copy of apache-arrow for a server, until they are used",
    async () => {
      expect(await loadedBy([built('server/index.js')])).toEqual({ mcpSdk: false, lanceArrow: false });
      // The hook and the check see them once they are used: /mcp's first request, an index's first write.
      expect(await loadedBy([built('server/index.js'), built('server/mcp/index.js')])).toMatchObject({ mcpSdk: true });
      const writing = `data:text/javascript,${encodeURIComponent(
        `import { briefsToArrowFile } from ${JSON.stringify(built('indexer/store/papers-table.js'))}; briefsToArrowFile([]);`,
      )}`;
      expect(await loadedBy([writing])).toMatchObject({ lanceArrow: true });
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
