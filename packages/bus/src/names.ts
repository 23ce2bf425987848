/**
 * Every Redis key, stream and BullMQ queue the floor uses, in one place (STYLE #6). Everything hangs off a
 * prefix so that two floors, or a test run beside a real floor, share one Redis without colliding.
 */
export function busNames(prefix: string) {
  const p = prefix;
  return {
    prefix: p,
    /** market events of one market (book, trade, resolved, listed) */
    marketStream: (marketId: string) => `${p}:md:${marketId}`,
    /** market listings and resolutions, so agents with a market selector discover new markets */
    marketsIndexStream: `${p}:md:index`,
    /** marketId → MarketInfo JSON, the current market registry */
    marketsHash: `${p}:markets`,
    /** latest book per token (JSON BookSnapshot), what the paper exchange matches against */
    bookKey: (tokenId: string) => `${p}:book:${tokenId}`,
    /** order outcomes and fills for one agent */
    agentEventsStream: (agentId: string) => `${p}:evt:agent:${agentId}`,
    /** every fill, for the auditor and the monitor */
    fillsStream: `${p}:evt:fills`,
    heartbeatKey: (app: string, instanceId: string) => `${p}:hb:${app}:${instanceId}`,
    heartbeatScanPattern: `${p}:hb:*`,
    /** global kill switch: when set, the executor denies every new intent */
    killSwitchKey: `${p}:kill`,
    /** per-agent kill switch */
    agentKillKey: (agentId: string) => `${p}:kill:agent:${agentId}`,
    /** per-market kill switch: every intent for the market is denied, exits included */
    marketKillKey: (marketId: string) => `${p}:kill:market:${marketId}`,
    /** the replay collector's position, so a restarted collector carries on */
    collectorCursorKey: `${p}:collector:cursor`,
    /** config errors the Boss found, shown by `floor status` */
    configErrorsKey: `${p}:boss:config-errors`,
    /** agents the Boss is supervising (agentId → JSON) */
    bossAgentsKey: `${p}:boss:agents`,
    /** trading state of a scope ('floor' or 'agent:<id>') as the Boss's breakers set it (JSON, see trading-state.ts) */
    tradingStateKey: (scope: string) => `${p}:risk:state:${scope}`,
    /** operators' requests to reset a tripped breaker (`floor breaker reset`), applied by the Boss in order */
    breakerResetRequestsKey: `${p}:risk:reset-requests`,
    /** per-second counts of venue API calls (ok / err) from every process that calls the exchange, for the API-error breaker */
    venueCallsKey: (epochSecond: number) => `${p}:venue:calls:${epochSecond}`,
    /** BullMQ's own key prefix */
    bullPrefix: `${p}:bull`,
  } as const;
}
export type BusNames = ReturnType<typeof busNames>;

/** BullMQ queue names (BullMQ forbids ':' in them). */
export const Queues = {
  intents: 'intents',
  settlements: 'settlements',
} as const;

/** Stream trimming: approximate MAXLEN per stream, bounded memory with noeviction Redis. */
export const STREAM_MAXLEN = {
  market: 2_000,
  index: 10_000,
  agentEvents: 10_000,
  fills: 100_000,
} as const;
