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
  HF_HUB_OFFLINE: booleanFlag,
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
  port: number;
  host: string;
  llm: { url: string; model: string; key: string | undefined } | undefined;
  adminToken: string | undefined;
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
    port: config.PORT,
    host: config.HOST,
    llm:
      config.PAPERSCOPE_LLM_URL && config.PAPERSCOPE_LLM_MODEL
        ? { url: config.PAPERSCOPE_LLM_URL, model: config.PAPERSCOPE_LLM_MODEL, key: config.PAPERSCOPE_LLM_KEY }
        : undefined,
    adminToken: config.PAPERSCOPE_ADMIN_TOKEN,
  };
}
