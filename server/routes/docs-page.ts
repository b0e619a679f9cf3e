/**
 * `/api/docs`: the OpenAPI document as a plain HTML reference, rendered here so that it works
 * offline and under the page's Content-Security-Policy (no script, no CDN, no inline style).
 */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: Record<string, unknown>;
}

interface Operation {
  summary: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}

/** "integer, 1–100, default 10" from a parameter's schema. */
function typeOf(schema: Record<string, unknown>): string {
  const parts = [Array.isArray(schema.enum) ? schema.enum.map(String).join(' | ') : String(schema.type ?? 'any')];
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ''}–${schema.maximum ?? ''}`);
  if (schema.maxLength !== undefined) parts.push(`${schema.minLength ?? 0}–${schema.maxLength} characters`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

const block = (title: string, value: unknown) =>
  `<details><summary>${escapeHtml(title)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;

function renderOperation(method: string, path: string, operation: Operation): string {
  const anchor = `${method}-${path}`.replace(/[^a-z0-9]+/gi, '-');
  const rows = (operation.parameters ?? [])
    .map(
      (parameter) =>
        `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${parameter.in}</td><td>${parameter.required ? 'yes' : ''}</td><td>${escapeHtml(typeOf(parameter.schema))}</td><td>${escapeHtml(parameter.description ?? '')}</td></tr>`,
    )
    .join('\n');
  const success = operation.responses['200']?.content ?? {};
  return [
    `<section id="${anchor}">`,
    `<h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>`,
    `<p>${escapeHtml(operation.summary)}${operation.security ? ' (needs <code>Authorization: Bearer &lt;PAPERSCOPE_ADMIN_TOKEN&gt;</code>)' : ''}</p>`,
    rows
      ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>meaning</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
      : '',
    operation.requestBody ? block('Request body (JSON Schema)', operation.requestBody.content['application/json']?.schema) : '',
    `<p>Answers: ${Object.keys(success)
      .map((type) => `<code>${escapeHtml(type)}</code>`)
      .join(', ')}</p>`,
    success['application/json'] ? block('Response (JSON Schema)', success['application/json'].schema) : '',
    '</section>',
  ].join('\n');
}

export function renderDocsPage(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
  );
  const toc = operations
    .map(
      ({ method, path, operation }) =>
        `<li><a href="#${`${method}-${path}`.replace(/[^a-z0-9]+/gi, '-')}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a> — ${escapeHtml(operation.summary)}</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${escapeHtml(info.title)} ${escapeHtml(info.version)}</title>
</head>
<body>
<main>
<h1>${escapeHtml(info.title)} ${escapeHtml(info.version)}</h1>
<p>${escapeHtml(info.description)} Errors answer <code>{ "error": { "code", "message", "parameter"? } }</code>. The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<nav><ul>
${toc}
</ul></nav>
${operations.map(({ method, path, operation }) => renderOperation(method, path, operation)).join('\n')}
</main>
</body>
</html>
`;
}
