import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ModelRequest {
  body: Record<string, unknown>;
  authorization?: string;
  path?: string;
}

/**
 * A local OpenAI-compatible chat server on 127.0.0.1 (port 0): records each request and answers
 * with `reply`. `start()` resolves to its base URL (…/v1), as `LlmSettings.url` expects.
 */
export function fakeModel(reply: (request: ModelRequest, response: ServerResponse) => unknown) {
  const requests: ModelRequest[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const recorded = {
        body: JSON.parse(text) as Record<string, unknown>,
        authorization: request.headers.authorization,
        path: request.url,
      };
      requests.push(recorded);
      reply(recorded, response);
    });
  });
  return {
    requests,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`)),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Streams `pieces` as chat-completion deltas, then `[DONE]`; with `delayMs`, waits that long before
 * each piece, as a model writing would. Stops early when the client goes away.
 */
export async function streamChunks(response: ServerResponse, pieces: readonly string[], delayMs = 0): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(`data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\n\n`);
  for (const content of pieces) {
    if (delayMs > 0) await sleep(delayMs);
    if (response.destroyed) return;
    response.write(`data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`);
  }
  response.end('data: [DONE]\n\n');
}
