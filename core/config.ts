import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The only place that reads the environment. Everything else receives a typed config. */
const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

export const envSchema = z.object({
  PAPERSCOPE_DATA_DIR: z.string().min(1).optional(),
  PAPERSCOPE_CACHE_DIR: z.string().min(1).optional(),
  PAPERSCOPE_MODEL_DIR: z.string().min(1).optional(),
  PAPERSCOPE_OFFLINE: booleanFlag,
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
  HF_HUB_OFFLINE: booleanFlag,
  /** A Hugging Face Hub mirror to download models from. */
  HF_ENDPOINT: z.url().optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
});

export type EnvConfig = z.infer<typeof envSchema>;

export interface Settings {
  dataDir: string;
  cacheDir: string;
  modelDir: string | undefined;
  offline: boolean;
  hubUrl: string | undefined;
  port: number;
  host: string;
  llm: { url: string; model: string; key: string | undefined } | undefined;
  adminToken: string | undefined;
  rateLimitPerMinute: number;
  requestTimeoutMs: number;
  corsOrigin: string | undefined;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const config = parsed.data;
  const cacheRoot = config.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return {
    dataDir: path.resolve(config.PAPERSCOPE_DATA_DIR ?? '.paperscope'),
    cacheDir: path.resolve(config.PAPERSCOPE_CACHE_DIR ?? path.join(cacheRoot, 'paperscope')),
    modelDir: config.PAPERSCOPE_MODEL_DIR ? path.resolve(config.PAPERSCOPE_MODEL_DIR) : undefined,
    offline: config.PAPERSCOPE_OFFLINE || config.HF_HUB_OFFLINE,
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
  };
}

export type CrashStage = NonNullable<EnvConfig['PAPERSCOPE_CRASH_AT']>;

let crashStage: CrashStage | undefined | null = null;

/**
 * Fault injection for the crash test: with PAPERSCOPE_CRASH_AT=<stage>, the process kills itself
 * with SIGKILL when it reaches that stage, as a power cut would. A no-op otherwise.
 */
export function crashPoint(stage: CrashStage): void {
  if (crashStage === null) crashStage = envSchema.shape.PAPERSCOPE_CRASH_AT.safeParse(process.env.PAPERSCOPE_CRASH_AT).data;
  if (crashStage === stage) process.kill(process.pid, 'SIGKILL');
}
