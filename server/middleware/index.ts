/** HTTP hardening for the Hono app: each factory returns one middleware. */
export { adminAuth } from './admin-auth.js';
export { clientAddress } from './client.js';
export { type RateLimitOptions, rateLimit } from './rate-limit.js';
export { jsonResponse, SECURITY_HEADERS, securityHeaders } from './security-headers.js';
export { staticGuard } from './static-guard.js';
export { requestTimeout } from './timeout.js';
