export { isBoilerplate } from './boilerplate.js';
export { resolveCitations } from './citations.js';
export { ASK_PAPERS, answerQuestion, type AskSources, groundingSimilarity, lexicalGroundingScore, readPapers } from './evidence.js';
export { type ChatMessage, LLM_TIMEOUT_MS, type LlmSettings, streamChat } from './llm.js';
export { evidenceMessages } from './prompt.js';
export { answerEvents, type AskEvent, type PreparedAnswer } from './stream.js';
