/** Paperscope as a Model Context Protocol server: the tools and resources (server.ts), and `/mcp` over HTTP (http.ts). */
export { mcpRoutes, mcpToken } from './http.js';
export { createMcpServer, type WithEngine } from './server.js';
