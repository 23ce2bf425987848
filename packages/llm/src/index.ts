/**
 * @floor/llm: the port the AI-forecast agent calls. Prompts and the answer schema, forecast models on the
 * OpenAI and Anthropic SDKs, the ensemble, calibration, edge/Kelly sizing and the cost budget. The strategy
 * stays pure; the agent owns the I/O and hands the strategy the results.
 */
export * from './errors.js';
export * from './forecast.js';
export * from './retry.js';
export * from './providers/model.js';
export * from './providers/openai.js';
export * from './providers/anthropic.js';
export * from './ensemble.js';
export * from './calibration.js';
export * from './sizing.js';
export * from './config.js';
export * from './budget.js';
export * from './models.js';
export * from './port.js';
