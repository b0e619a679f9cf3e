/** The HTTP routes: the JSON API, the admin writes, and the input validation the CLI shares. */
export { type AdminOptions, adminRoutes } from './admin.js';
export { apiRoutes } from './api.js';
export { renderDocsPage } from './docs-page.js';
export { allowedMethods, apiFallback } from './fallback.js';
export { health } from './health.js';
export { API_OPERATIONS, type ApiOperation, openApiDocument, operationParameters, referenceRoutes } from './openapi.js';
export { SearchResponseCache, searchKey } from './search-cache.js';
export { validate } from './validate.js';
