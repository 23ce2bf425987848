import { InvalidArgumentError, Option } from 'commander';
import { POLYMARKET_ENDPOINTS } from '@floor/config';
import { runDataFetch, runDataImport, runDataRecord, type CommandResult } from '@floor/datasets';
import type { RegisterCommand } from '../context.js';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return n;
};

function emit(result: CommandResult): void {
  if (result.stdout) process.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
  if (result.stderr) process.stderr.write(result.stderr.endsWith('\n') ? result.stderr : `${result.stderr}\n`);
  process.exitCode = result.exitCode;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** `floor data import|fetch|record`: build datasets in the project's format (what `floor backtest` and the replay feed read). */
export const registerData: RegisterCommand = (program) => {
  const data = program.command('data').description('build datasets: import Polymarket JSON, fetch history, record the live feed');

  data
    .command('import')
    .description('Gamma /markets JSON arrays and /prices-history JSON ({history:[{t,p}]}) into a dataset')
    .argument('<files...>', 'JSON files; a prices-history file is named <tokenId>.json (or give --token)')
    .requiredOption('--out <file>', 'dataset to write, e.g. data/mine.jsonl.gz')
    .option('--token <tokenId>', 'token id of a single prices-history file whose name does not say')
    .option('--name <name>', 'dataset name (default: the output file name)')
    .action(async (files: string[], opts: { out: string; token?: string; name?: string }) => {
      emit(await runDataImport({ files, out: opts.out, ...(opts.token ? { tokenId: opts.token } : {}), ...(opts.name ? { name: opts.name } : {}) }));
    });

  data
    .command('fetch')
    .description('download Gamma markets and their /prices-history into a dataset (needs internet; polite, honours 429)')
    .requiredOption('--out <file>', 'dataset to write')
    .addOption(new Option('--closed <which>', 'which markets').choices(['open', 'resolved', 'both']).default('both'))
    .option('--limit <n>', 'markets of each state', positiveInt('limit'), 50)
    .option('--fidelity <minutes>', 'price history resolution', positiveInt('fidelity'), 60)
    .option('--gamma-url <url>', 'Gamma base URL', POLYMARKET_ENDPOINTS.gammaUrl)
    .option('--clob-url <url>', 'CLOB base URL', POLYMARKET_ENDPOINTS.clobUrl)
    .action(async (opts: { out: string; closed: 'open' | 'resolved' | 'both'; limit: number; fidelity: number; gammaUrl: string; clobUrl: string }) => {
      emit(await runDataFetch({ gammaUrl: opts.gammaUrl, clobUrl: opts.clobUrl, out: opts.out, closed: opts.closed, limit: opts.limit, fidelityMin: opts.fidelity, log: progress }));
    });

  data
    .command('record')
    .description('record the live feed (books, deltas, trades, resolutions) into a dataset until Ctrl-C or --seconds')
    .requiredOption('--out <file>', 'dataset to write')
    .option('--seconds <n>', 'stop after this long', positiveInt('seconds'))
    .option('--max-events <n>', 'stop after this many events', positiveInt('max-events'))
    .option('--markets <ids>', 'comma-separated condition ids (default: the most traded open markets)')
    .option('--max-markets <n>', 'how many open markets without --markets', positiveInt('max-markets'), 50)
    .option('--gamma-url <url>', 'Gamma base URL', POLYMARKET_ENDPOINTS.gammaUrl)
    .option('--clob-url <url>', 'CLOB base URL', POLYMARKET_ENDPOINTS.clobUrl)
    .option('--ws-url <url>', 'CLOB WebSocket market channel', POLYMARKET_ENDPOINTS.wsUrl)
    .action(
      async (opts: { out: string; seconds?: number; maxEvents?: number; markets?: string; maxMarkets: number; gammaUrl: string; clobUrl: string; wsUrl: string }) => {
        emit(
          await runDataRecord({
            wsUrl: opts.wsUrl,
            clobUrl: opts.clobUrl,
            gammaUrl: opts.gammaUrl,
            out: opts.out,
            maxMarkets: opts.maxMarkets,
            ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
            ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
            ...(opts.markets ? { markets: opts.markets.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
            log: progress,
          }),
        );
      },
    );
};
