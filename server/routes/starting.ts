import { Hono } from 'hono';
import type { IndexEvent } from '../../indexer/events.js';
import { securityHeaders } from '../middleware/index.js';
import { health } from './health.js';

/** What `/api/status` answers before the index is open; `ready: false` tells it from the real status. */
export interface StartingStatus {
  ready: false;
  phase: 'indexing' | 'loading';
  /** One line for a person: "Embedding 1,234 of 5,000", "Parsed 62 papers from data". */
  summary: string;
  stage: string | null;
  done: number | null;
  total: number | null;
}

/** The latest progress of a first-run indexing, from the indexer's events. */
export class StartingProgress {
  #status: StartingStatus = { ready: false, phase: 'indexing', summary: 'Starting', stage: null, done: null, total: null };

  readonly onEvent = (event: IndexEvent): void => {
    if (event.type === 'warning') return;
    if (event.type === 'info') {
      this.#status = { ...this.#status, summary: event.message, stage: null, done: null, total: null };
      return;
    }
    const count = (value: number) => (event.unit === 'bytes' ? `${(value / 1e6).toFixed(1)} MB` : value.toLocaleString('en'));
    this.#status = {
      ...this.#status,
      summary: `${event.stage} ${count(event.done)} of ${count(event.total)}`,
      stage: event.stage,
      done: event.done,
      total: event.total,
    };
  };

  /** Indexing is over; the index is being opened. */
  loading(): void {
    this.#status = { ready: false, phase: 'loading', summary: 'Loading the index', stage: null, done: null, total: null };
  }

  get status(): StartingStatus {
    return this.#status;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paperscope: building the index</title>
</head>
<body>
<main>
<h1>Paperscope is building its index</h1>
<p id="summary" role="status" aria-live="polite">Starting</p>
<progress id="bar" aria-label="Indexing progress"></progress>
<p>This page turns into Paperscope when the index is ready.</p>
</main>
<script src="/starting.js"></script>
</body>
</html>
`;

/** Polls /api/status each second; the real status (no `ready: false`) means the app is up. */
const SCRIPT = `const summary = document.getElementById('summary');
const bar = document.getElementById('bar');
async function poll() {
  try {
    const status = await (await fetch('/api/status', { cache: 'no-store' })).json();
    if (status.ready !== false) {
      location.reload();
      return;
    }
    summary.textContent = status.summary;
    if (status.total) {
      bar.max = status.total;
      bar.value = status.done;
    } else {
      bar.removeAttribute('value');
    }
  } catch {
    // The server is switching over or restarting: ask again.
  }
  setTimeout(poll, 1000);
}
poll();
`;

/**
 * What the server answers until its index is open: a page showing the progress (which reloads into
 * the app when it is ready), `/api/status` with the progress, and a 503 for the rest of the API.
 */
export function startingApp(progress: StartingProgress): Hono {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.get('/api/status', (c) => c.json(progress.status));
  app.get('/api/health', (c) => c.json(health(false)));
  app.all('/api/*', (c) => {
    c.header('Retry-After', '2');
    return c.json({ error: { code: 'NO_INDEX', message: `The index is not ready yet: ${progress.status.summary}.` } }, 503);
  });
  app.get('/starting.js', (c) => c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('*', (c) => c.html(PAGE));
  return app;
}
