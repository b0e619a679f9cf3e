import type { z } from 'zod';
import { APP_VERSION } from '../../core/version.js';
import type { healthSchema } from '../engine/index.js';

/** `GET /api/health`: 200 whenever the process answers; `ready` says whether the index is open. */
export function health(ready: boolean): z.infer<typeof healthSchema> {
  return { status: 'ok', ready, version: APP_VERSION };
}
