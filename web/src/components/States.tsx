import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** Shows the API's own message (and code) rather than a generic failure. */
export function ErrorMessage({ error, context }: { error: Error; context?: string }) {
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div class="state state-error" role="alert">
      <strong>{context ?? 'Something went wrong'}</strong>
      <p>
        {error.message}
        {code && code !== 'HTTP_ERROR' ? <code class="error-code">{code}</code> : null}
      </p>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}
