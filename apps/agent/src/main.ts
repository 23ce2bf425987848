import { runAgentProcess } from '@floor/agent-runtime';

/**
 * One trader agent. The Boss starts it under PM2 as `agent-<id>` with AGENT_ID set; everything from the
 * environment to the running loop is `runAgentProcess` (packages/agent-runtime/src/process.ts), which test
 * fixtures reuse around a strategy of their own.
 */
await runAgentProcess();
