import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// `npm run dev`-style use: `npx vite --config web/vite.config.ts` proxies /api to a running `paperscope serve`.
export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP is `default-src 'self'`: keep every asset a file, never an inline data: URL.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': process.env.PAPERSCOPE_API ?? 'http://127.0.0.1:3000' },
  },
});
