import type { Command } from 'commander';
import { runBacktestCommand, runSweepCommand } from '@floor/backtest';
import type { RegisterCommand } from '../context.js';

/** Options both research commands take; the backtest package validates them (zod) and owns their meaning. */
function withCommonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--strategy <file>', 'a strategy file, e.g. config/strategies/momentum-fast.yaml')
    .requiredOption('--data <dataset>', 'a floor dataset, e.g. data/demo.jsonl.gz (or one `floor data import` wrote)')
    .option('--from <time>', 'start: ISO date/time or epoch ms')
    .option('--to <time>', 'end: ISO date/time or epoch ms')
    .option('--capital-usd <usd>', 'starting capital', '1000')
    .option('--period <p>', 'return period for Sharpe/Sortino and the equity curve: 15m, 1h, 1d', '1h')
    .option('--oracle-seed <n>', 'seed of the backtest forecast oracle (AI strategies only)', '1')
    .option('--json', 'print the report as JSON');
}

type CommonFlags = { strategy: string; data: string; from?: string; to?: string; capitalUsd: string; period: string; oracleSeed: string; json?: boolean };

function common(flags: CommonFlags) {
  return {
    strategy: flags.strategy,
    data: flags.data,
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
    capitalUsd: flags.capitalUsd,
    period: flags.period,
    oracleSeed: flags.oracleSeed,
    json: flags.json === true,
  };
}

function emit(result: { exitCode: number; stdout: string; stderr?: string }): void {
  if (result.stdout) process.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
  if (result.stderr) process.stderr.write(result.stderr.endsWith('\n') ? result.stderr : `${result.stderr}\n`);
  process.exitCode = result.exitCode;
}

export const registerBacktest: RegisterCommand = (program) => {
  withCommonOptions(
    program
      .command('backtest')
      .description('run one strategy file over a dataset with the live kernel and paper matching; deterministic report')
      .option('--out <dir>', 'write report.txt, report.json, trades.csv and equity.svg here'),
  ).action(async (flags: CommonFlags & { out?: string }) => {
    emit(await runBacktestCommand({ ...common(flags), ...(flags.out ? { out: flags.out } : {}) }, { stderr: process.stderr }));
  });

  withCommonOptions(
    program
      .command('sweep')
      .description('a parameter grid (within the schema bounds) over walk-forward splits, ranked on out-of-sample results only')
      .requiredOption('--grid <spec>', "e.g. 'lookback=5,10,20;thresholdBps=50,100'")
      .option('--folds <n>', 'walk-forward folds', '4'),
  ).action(async (flags: CommonFlags & { grid: string; folds: string }) => {
    emit(await runSweepCommand({ ...common(flags), grid: flags.grid, folds: flags.folds }, { stderr: process.stderr }));
  });
};
