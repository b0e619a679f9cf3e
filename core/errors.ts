/**
 * One catalog of failures. Callers and tests check the `code`; the server maps it to an HTTP
 * status and the CLI to an exit code, in one place each.
 */
export const errorCatalog = {
  INVALID_INPUT: { status: 400, exit: 2 },
  INVALID_PARAMETER: { status: 400, exit: 2 },
  /** An environment variable (or a setting passed in its place) is malformed. */
  INVALID_CONFIG: { status: 500, exit: 11 },
  NOT_FOUND: { status: 404, exit: 3 },
  /** An API path asked with a method it does not answer; the response's `Allow` lists those it does. */
  METHOD_NOT_ALLOWED: { status: 405, exit: 2 },
  NO_INDEX: { status: 503, exit: 4 },
  INDEX_MISMATCH: { status: 409, exit: 5 },
  INDEX_LOCKED: { status: 409, exit: 6 },
  /** The papers table (the source of truth) cannot be read in full, or rows no longer match their hash. */
  INDEX_DAMAGED: { status: 503, exit: 14 },
  MODEL_UNAVAILABLE: { status: 503, exit: 7 },
  EMBEDDINGS_UNAVAILABLE: { status: 503, exit: 7 },
  PARSE_FAILED: { status: 400, exit: 8 },
  UNAUTHORIZED: { status: 401, exit: 9 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2 },
  READ_ONLY: { status: 403, exit: 9 },
  RATE_LIMITED: { status: 429, exit: 1 },
  TIMEOUT: { status: 503, exit: 1 },
  /**
   * A server is rebuilding a derived file the request needs (`details.part`); it answers within a second
   * with Retry-After (`details.retryAfter`) instead of making the client wait. Commands wait instead.
   */
  INDEX_PREPARING: { status: 503, exit: 1 },
  /** The configured language model server failed; answers fall back to extractive ones. */
  LLM_FAILED: { status: 502, exit: 10 },
  /** The server cannot listen where it was asked to (port in use, no permission, unknown address). */
  CANNOT_LISTEN: { status: 503, exit: 12 },
  /** A paper source (arXiv, Hugging Face) failed or answered something unreadable; what came before was kept. */
  SOURCE_FAILED: { status: 502, exit: 13 },
  INTERNAL: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof errorCatalog;

export class PaperscopeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PaperscopeError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }

  get exitCode(): number {
    return errorCatalog[this.code].exit;
  }
}

export function isPaperscopeError(error: unknown): error is PaperscopeError {
  return error instanceof PaperscopeError;
}

/** Wraps anything thrown into a catalog error, keeping catalog errors as they are. */
export function toPaperscopeError(error: unknown): PaperscopeError {
  if (error instanceof PaperscopeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PaperscopeError('INTERNAL', message, undefined, { cause: error });
}
