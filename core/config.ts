import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { PaperscopeError } from './errors.js';

/** The only place that reads the environment. Everything else receives a typed config. */
const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

/** The transformer's weights: its int8 copy or the float32 model. */
export const PRECISIONS = ['int8', 'fp32'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const envSchema = z.object({
  PAPERSCOPE_DATA_DIR: z.string().min(1).optional(),
  PAPERSCOPE_CACHE_DIR: z.string().min(1).optional(),
  PAPERSCOPE_MODEL_DIR: z.string().min(1).optional(),
  PAPERSCOPE_OFFLINE: booleanFlag,
  /**
   * The transformer's weights for a new index (`--precision`): int8 (`onnx/model_quantized.onnx`, the
   * default where the model offers it) or fp32. An existing index says which it was built with.
   */
  PAPERSCOPE_PRECISION: z.enum(PRECISIONS).optional(),
  PAPERSCOPE_LLM_URL: z.url().optional(),
  PAPERSCOPE_LLM_MODEL: z.string().min(1).optional(),
  PAPERSCOPE_LLM_KEY: z.string().min(1).optional(),
  PAPERSCOPE_ADMIN_TOKEN: z.string().min(1).optional(),
  /** API requests per minute per client address; 0 turns the limit off. */
  PAPERSCOPE_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  /** A request still running after this many milliseconds gets a 503. */
  PAPERSCOPE_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** The one origin allowed to call the API from another site; CORS stays off without it. */
  PAPERSCOPE_CORS_ORIGIN: z.url().optional(),
  /** Fault injection for the crash test: the indexer kills itself at this stage (see crashPoint). */
  PAPERSCOPE_CRASH_AT: z.enum(['table-created', 'batch-written', 'hnsw-write', 'before-manifest']).optional(),
  /** A diagnostic: each indexing stage ends with a full collection and prints what is alive (see armMemoryTrace). */
  PAPERSCOPE_MEMORY_TRACE: booleanFlag,
  HF_HUB_OFFLINE: booleanFlag,
  /** A Hugging Face Hub mirror to download models from, and the base of `fetch hf-daily`'s API. */
  HF_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** The arXiv API endpoint `fetch arxiv` reads. */
  PAPERSCOPE_ARXIV_API: z.url({ protocol: /^https?$/ }).default('https://export.arxiv.org/api/query'),
  /** Pause between two requests of a fetch, and the first retry's wait (arXiv asks API clients for 3 s). */
  PAPERSCOPE_FETCH_PAUSE_MS: z.coerce.number().int().min(0).default(3_000),
  /** A fetch request that has not answered after this many milliseconds fails (and is retried). */
  PAPERSCOPE_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** `serve --workers`: processes answering on the port, or "auto" for one per CPU core. */
  PAPERSCOPE_WORKERS: z
    .string()
    .regex(/^(?:auto|[1-9]\d*)$/, 'expected a positive whole number or "auto"')
    .default('1'),
  /** How often `serve` checks the index manifest for a new version; 0 turns the check off. */
  PAPERSCOPE_RELOAD_INTERVAL_MS: z.coerce.number().int().min(0).default(5_000),
  /** An object-store lock whose heartbeat is older than this many milliseconds is taken over. */
  PAPERSCOPE_LOCK_TTL_MS: z.coerce.number().int().positive().default(120_000),
  /** Papers per committed batch of the table (a crash loses at most one); default 1,024 or a twentieth of the papers written. */
  PAPERSCOPE_WRITE_BATCH: z.coerce.number().int().positive().optional(),
  /** Object storage (an `s3://` data dir): the standard AWS variables, read by both LanceDB and the S3 client. */
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  AWS_ALLOW_HTTP: booleanFlag,
});

export type EnvConfig = z.infer<typeof envSchema>;

/** Where and how to reach an object store; unset fields fall back to the S3 client's own defaults. */
export interface ObjectStoreSettings {
  endpoint: string | undefined;
  region: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
  /** Plain http, for a local S3-compatible server: set by AWS_ALLOW_HTTP or an http:// endpoint. */
  allowHttp: boolean;
}

export interface SourceSettings {
  arxivApi: string;
  /** Hugging Face's base URL (HF_ENDPOINT, as its own clients read it). */
  hfEndpoint: string;
  pauseMs: number;
  timeoutMs: number;
}

export interface Settings {
  dataDir: string;
  cacheDir: string;
  modelDir: string | undefined;
  offline: boolean;
  /** PAPERSCOPE_PRECISION; undefined when unset. */
  precision: Precision | undefined;
  hubUrl: string | undefined;
  port: number;
  host: string;
  llm: { url: string; model: string; key: string | undefined } | undefined;
  adminToken: string | undefined;
  rateLimitPerMinute: number;
  requestTimeoutMs: number;
  corsOrigin: string | undefined;
  reloadIntervalMs: number;
  /** PAPERSCOPE_WORKERS, "auto" resolved to the CPU count. */
  workers: number;
  lockTtlMs: number;
  /** Papers per committed batch of the table (PAPERSCOPE_WRITE_BATCH), when not the indexer's default. */
  writeBatch: number | undefined;
  objectStore: ObjectStoreSettings;
  /** Where `fetch` and `sync` read papers from, and how politely. */
  sources: SourceSettings;
  /** Fault injection for the crash test (PAPERSCOPE_CRASH_AT); the CLI arms it with `armCrashPoint`. */
  crashAt: CrashStage | undefined;
  /** PAPERSCOPE_MEMORY_TRACE: the CLI arms `armMemoryTrace` with it. */
  memoryTrace: boolean;
}

/** `--precision` / PAPERSCOPE_PRECISION as the embedder's `quantized`: undefined (the default) when not given. */
export function quantizedFrom(precision: Precision | undefined): boolean | undefined {
  return precision === undefined ? undefined : precision === 'int8';
}

/** A worker count as `serve --workers` and PAPERSCOPE_WORKERS take it: "auto" is one per CPU core. */
export function workerCountOf(value: string): number {
  return value === 'auto' ? os.availableParallelism() : Number(value);
}

/**
 * Reads and checks the environment. Only the entry points call it (cli/main.ts, server/index.ts's
 * `startServer`, tests and benches); everything below receives the settings it needs.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0]);
    throw new PaperscopeError('INVALID_CONFIG', `Invalid environment variable ${variable}: ${issue?.message}`, { variable });
  }
  const config = parsed.data;
  if (Boolean(config.AWS_ACCESS_KEY_ID) !== Boolean(config.AWS_SECRET_ACCESS_KEY)) {
    throw new PaperscopeError(
      'INVALID_CONFIG',
      'Invalid environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both or neither.',
      {
        variable: 'AWS_ACCESS_KEY_ID',
      },
    );
  }
  const dataDir = config.PAPERSCOPE_DATA_DIR ?? findDataDir(process.cwd());
  const cacheRoot = config.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return {
    // An object-store URI (s3://bucket/prefix) is kept as it is; only a local path is resolved.
    dataDir: /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? dataDir : path.resolve(dataDir),
    cacheDir: path.resolve(config.PAPERSCOPE_CACHE_DIR ?? path.join(cacheRoot, 'paperscope')),
    modelDir: config.PAPERSCOPE_MODEL_DIR ? path.resolve(config.PAPERSCOPE_MODEL_DIR) : undefined,
    offline: config.PAPERSCOPE_OFFLINE || config.HF_HUB_OFFLINE,
    precision: config.PAPERSCOPE_PRECISION,
    hubUrl: config.HF_ENDPOINT,
    port: config.PORT,
    host: config.HOST,
    llm:
      config.PAPERSCOPE_LLM_URL && config.PAPERSCOPE_LLM_MODEL
        ? { url: config.PAPERSCOPE_LLM_URL, model: config.PAPERSCOPE_LLM_MODEL, key: config.PAPERSCOPE_LLM_KEY }
        : undefined,
    adminToken: config.PAPERSCOPE_ADMIN_TOKEN,
    rateLimitPerMinute: config.PAPERSCOPE_RATE_LIMIT,
    requestTimeoutMs: config.PAPERSCOPE_REQUEST_TIMEOUT_MS,
    corsOrigin: config.PAPERSCOPE_CORS_ORIGIN,
    reloadIntervalMs: config.PAPERSCOPE_RELOAD_INTERVAL_MS,
    workers: workerCountOf(config.PAPERSCOPE_WORKERS),
    lockTtlMs: config.PAPERSCOPE_LOCK_TTL_MS,
    writeBatch: config.PAPERSCOPE_WRITE_BATCH,
    objectStore: {
      endpoint: config.AWS_ENDPOINT_URL,
      region: config.AWS_REGION,
      accessKeyId: config.AWS_ACCESS_KEY_ID,
      secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
      sessionToken: config.AWS_SESSION_TOKEN,
      allowHttp: config.AWS_ALLOW_HTTP || config.AWS_ENDPOINT_URL?.startsWith('http://') === true,
    },
    sources: {
      arxivApi: config.PAPERSCOPE_ARXIV_API,
      hfEndpoint: config.HF_ENDPOINT ?? 'https://huggingface.co',
      pauseMs: config.PAPERSCOPE_FETCH_PAUSE_MS,
      timeoutMs: config.PAPERSCOPE_FETCH_TIMEOUT_MS,
    },
    crashAt: config.PAPERSCOPE_CRASH_AT,
    memoryTrace: config.PAPERSCOPE_MEMORY_TRACE,
  };
}

export const DATA_DIR_NAME = '.paperscope';

/**
 * The default data dir: the nearest `.paperscope` in `cwd` or a directory above it, as git finds
 * `.git`, so a command run from inside a project uses the project's index wherever it is typed;
 * `<cwd>/.paperscope` when there is none yet.
 */
export function findDataDir(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DATA_DIR_NAME);
    if (statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) return candidate;
    if (path.dirname(dir) === dir) return path.join(path.resolve(cwd), DATA_DIR_NAME);
  }
}

export type CrashStage = NonNullable<EnvConfig['PAPERSCOPE_CRASH_AT']>;

let armedStage: CrashStage | undefined;

/** Arms `crashPoint` for this process; the CLI passes PAPERSCOPE_CRASH_AT from its settings. */
export function armCrashPoint(stage: CrashStage | undefined): void {
  armedStage = stage;
}

/**
 * Fault injection for the crash test: once armed with a stage, the process kills itself with
 * SIGKILL when it reaches that stage, as a power cut would. A no-op otherwise.
 */
export function crashPoint(stage: CrashStage): void {
  if (armedStage === stage) process.kill(process.pid, 'SIGKILL');
}

/** What the HTTP app takes: rate limit, timeout, CORS origin and admin token. */
export type HttpSettings = Pick<Settings, 'rateLimitPerMinute' | 'requestTimeoutMs' | 'corsOrigin' | 'adminToken'>;

/** The HTTP settings with every variable unset: what `createApp` uses for what it is not given. */
export function defaultHttpSettings(): HttpSettings {
  const { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken } = readSettings({});
  return { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken };
}
