/**
 * A load generator in its own process, so that its clock keeps running while the measured process
 * is busy: GETs `<url>` at a fixed rate (open loop: a request is due every interval whether or not
 * the previous one has answered, as with independent users) and records each latency.
 * Started by bench/embed-run.ts over IPC: it sends "ready" once the first answer arrived, and on
 * "stop" replies with the latencies in milliseconds and exits.
 * Args: <url> <requests per second>
 */
import http from 'node:http';

const [url = '', rate = '100'] = process.argv.slice(2);
const intervalMs = 1000 / Number(rate);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const latencies: number[] = [];
let failures = 0;
const pending = new Set<Promise<void>>();

function probe(): Promise<void> {
  const started = performance.now();
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - started);
          else failures++;
          resolve();
        });
      })
      .on('error', () => {
        failures++;
        resolve();
      });
  });
}

const send = (message: unknown): void => {
  process.send?.(message);
};

await probe();
latencies.length = 0;
send('ready');
let next = performance.now();
const timer = setInterval(
  () => {
    // Catch up on every request that fell due, so a stalled tick does not lower the request rate.
    for (const now = performance.now(); next <= now; next += intervalMs) {
      const request = probe().then(() => {
        pending.delete(request);
      });
      pending.add(request);
    }
  },
  Math.max(1, intervalMs / 2),
);

process.on('message', async (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  // Requests still in flight were sent while the server was busy: they count too.
  await Promise.all(pending);
  send({ latencies, failures });
  agent.destroy();
  process.disconnect();
});
