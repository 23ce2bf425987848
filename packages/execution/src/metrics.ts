import { Counter, Histogram, type Registry } from 'prom-client';

/** The executor's Prometheus metrics. Labels stay low-cardinality: never an agent, order or market id. */
export function createExecutorMetrics(registry?: Registry) {
  // Without a registry the metrics still count (tests read them) but are not exported anywhere.
  const registers = registry ? [registry] : [];
  return {
    intents: new Counter({
      name: 'floor_intents_total',
      help: 'Intents decided, by order status (replays of an already decided intent are not counted)',
      labelNames: ['status'] as const,
      registers,
    }),
    fills: new Counter({
      name: 'floor_fills_total',
      help: 'Fills booked, by kind (trade or settlement)',
      labelNames: ['kind'] as const,
      registers,
    }),
    denials: new Counter({
      name: 'floor_denials_total',
      help: 'Intents denied by the risk gate, by code',
      labelNames: ['code'] as const,
      registers,
    }),
    reductions: new Counter({
      name: 'floor_intent_size_reductions_total',
      help: 'Intents the pre-trade engine approved at less than their size, by the check that cut them',
      labelNames: ['check'] as const,
      registers,
    }),
    dbOutages: new Counter({
      name: 'floor_executor_db_outages_total',
      help: 'Times the executor stopped taking jobs because Postgres was unreachable',
      registers,
    }),
    intentToFill: new Histogram({
      name: 'floor_intent_to_fill_seconds',
      help: "From the agent creating an intent to its fills being published (agent's clock to executor's clock)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobsFailed: new Counter({
      name: 'floor_executor_jobs_failed_total',
      help: 'Job attempts that threw, by queue and whether BullMQ will retry them',
      labelNames: ['queue', 'retryable'] as const,
      registers,
    }),
  };
}
export type ExecutorMetrics = ReturnType<typeof createExecutorMetrics>;
