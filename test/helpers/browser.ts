import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { PROJECT_ROOT } from '../../core/version.js';
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

/** Builds the page from the current sources into a temporary dir, so nothing serves a stale web/dist. */
export async function buildWeb(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const web = await temporaryDir('paperscope-web-');
  await build({
    configFile: path.join(PROJECT_ROOT, 'web', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: web.dir, emptyOutDir: true },
  });
  return web;
}
