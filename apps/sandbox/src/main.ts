/**
 * The sandbox venue process: a local, protocol-faithful Polymarket (Gamma + CLOB REST + CLOB WebSocket)
 * on 127.0.0.1, driven by a dataset file or the seeded simulator. Prints its base URLs and runs until
 * SIGINT/SIGTERM.
 *
 *   npm run sandbox -- --data data/demo.jsonl.gz --speed 60 --port 8787
 *   npm run sandbox -- --sim --seed 7 --speed 30 --fault-http orders:429:2
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readDataset, simulateLive } from '@floor/sim';
import { firstEvent, parseHttpFaultFlag, replayClock, replayInto, startSandboxServer, thenLive, WsMode, type HttpErrorFault } from '@floor/venue-sim';

const integer = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const positive = (value: string): number => {
  const n = value === 'max' ? Infinity : Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('speed must be a positive number or "max"');
  return n;
};
const httpFault = (value: string, previous: HttpErrorFault[]): HttpErrorFault[] => {
  try {
    return [...previous, parseHttpFaultFlag(value)];
  } catch {
    throw new InvalidArgumentError('expected family:status[:retryAfterSeconds], e.g. orders:429:2 (families: gamma, market-data, meta, auth, orders, cancels, account, heartbeat, all)');
  }
};

const program = new Command('sandbox')
  .description('Local Polymarket sandbox venue (Gamma, CLOB REST, CLOB WebSocket) on 127.0.0.1')
  .addOption(new Option('--data <path>', 'floor dataset to replay (gzipped JSON Lines)').conflicts('sim'))
  .option('--sim', 'drive the venue with the seeded simulator instead of a dataset')
  .option('--seed <n>', 'simulator seed', integer('seed'), 7)
  .option('--then-sim', 'when the dataset ends, keep the venue busy with the seeded simulator (npm run demo)')
  .option('--speed <x>', 'replay speed: recorded time ÷ x, or "max"', positive, 1)
  .option('--port <p>', 'port on 127.0.0.1 (0 = any free port)', integer('port'), 8787)
  .option('--chain-id <id>', 'chain orders must be signed for (137 Polygon, 80002 Amoy)', integer('chain-id'), 137)
  .option('--mined-after-ms <ms>', 'trade MATCHED → MINED after this long', integer('mined-after-ms'), 2_000)
  .option('--confirmed-after-ms <ms>', 'trade → CONFIRMED this long after the match', integer('confirmed-after-ms'), 5_000)
  .option('--heartbeat-timeout-ms <ms>', 'cancel a heartbeating owner\'s orders after this much silence', integer('heartbeat-timeout-ms'), 10_000)
  .addOption(new Option('--fault-ws <mode>', 'WebSocket fault').choices(WsMode.options).default('normal'))
  .option('--fault-delay-ms <ms>', 'delay every HTTP answer', integer('fault-delay-ms'), 0)
  .option('--fault-http <family:status[:retryAfter]>', 'answer 429 or 500 on an endpoint family (repeatable)', httpFault, [])
  .option('--fault-order-timeout <n>', 'accept the next n POST /order but never answer them', integer('fault-order-timeout'), 0)
  .action(async (opts) => {
    if (!opts.data && !opts.sim) program.error('give --data <dataset> or --sim');
    const dataset = opts.data ? await readDataset(opts.data) : null;
    // The venue's clock runs at the replay's pace from the dataset's first event, so every time it shows (book and
    // trade timestamps, Gamma end dates, order times) agrees with the recorded markets: a 3-day market replayed at
    // 1800x ends 3 sim-days after it opened, as strategies (holding times, exits before resolution) expect.
    const first = dataset ? await firstEvent(dataset.events) : null;
    const clock = first && Number.isFinite(opts.speed) ? replayClock(first.event.tsEventMs, opts.speed) : Date.now;
    const sandbox = await startSandboxServer({
      clock,
      port: opts.port,
      chainId: opts.chainId,
      lifecycle: { minedAfterMs: opts.minedAfterMs, confirmedAfterMs: opts.confirmedAfterMs },
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
      faults: {
        ws: opts.faultWs,
        delayMs: opts.faultDelayMs,
        httpErrors: opts.faultHttp,
        acceptThenTimeout: { orders: opts.faultOrderTimeout, hangMs: 5_000 },
      },
    });
    if (dataset) sandbox.venue.addMarkets(dataset.header.markets);

    const { urls } = sandbox;
    process.stdout.write(
      [
        `sandbox venue listening (${dataset ? `dataset ${dataset.header.name}` : `simulator seed ${opts.seed}`}, speed ${opts.speed}x)`,
        `  Gamma:      ${urls.gamma}`,
        `  CLOB:       ${urls.clob}`,
        `  WS market:  ${urls.wsMarket}`,
        `  WS user:    ${urls.wsUser}`,
        `  control:    ${urls.base}/_sandbox/{stats,faults,events}`,
        '',
      ].join('\n'),
    );

    const abort = new AbortController();
    const shutdown = () => {
      abort.abort();
      void sandbox.close().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);

    const live = () => simulateLive({ seed: opts.seed, startMs: clock() });
    const recorded = first ? first.events : null;
    const events = recorded ? (opts.thenSim ? thenLive(recorded, live) : recorded) : live();
    const summary = await replayInto({ venue: sandbox.venue, events, speed: opts.speed, signal: abort.signal });
    if (!summary.aborted) process.stdout.write(`replay finished after ${summary.events} events; the venue stays up (Ctrl-C to stop)\n`);
  });

await program.parseAsync(process.argv);
