import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { PROJECT_ROOT } from '../../core/version.js';
import { builtOncePerRun } from './once-per-run.js';
import { temporaryDir } from './sample-index.js';

/** Debian's Chromium, installed by .ci/run; browser tests and benchmarks skip or stop without it. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Headless Chromium without the sandbox (containers), GPU or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--headless',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The page built from the current sources, so nothing serves a stale web/dist: built once per run,
 * and copied into a temporary dir for each caller.
 */
export async function buildWeb(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const page = await builtOncePerRun('web', async (outDir) => {
    await build({
      configFile: path.join(PROJECT_ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  });
  const web = await temporaryDir('paperscope-web-');
  await cp(page, web.dir, { recursive: true });
  return web;
}
