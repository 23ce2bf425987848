import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '@floor/sim';
import { ROOT } from '../setup/pm2.js';

/**
 * The `floor` command line as a user runs it (bin/floor.mjs, a child process): research commands chain
 * (import → backtest), exit codes mean what the help says, and bad input is named.
 */
const run = promisify(execFile);
const floor = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'floor.mjs'), ...args], { cwd: ROOT, maxBuffer: 20 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};

const FIXTURES = join(ROOT, 'packages', 'datasets', 'test', 'fixtures');

describe('floor CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'floor-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('imports Polymarket JSON into a dataset that floor backtest then runs, deterministically', async () => {
    const out = join(tmp, 'imported.jsonl.gz');
    const imported = await floor(
      'data', 'import',
      join(FIXTURES, 'gamma-markets.json'),
      join(FIXTURES, 'prices-history-21742633143463906290569050155826241533067272736897614950488156847949938836455.json'),
      '--out', out,
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/rejected markets: \d+/);
    const { header } = await readDataset(out);
    expect(header.markets.length).toBeGreaterThan(0);

    const a = await floor('backtest', '--strategy', 'config/strategies/momentum-fast.yaml', '--data', join(ROOT, 'data', 'demo.jsonl.gz'), '--json', '--out', join(tmp, 'bt'));
    expect(a.code).toBe(0);
    const report = JSON.parse(a.stdout) as { report: { agentId: string } };
    expect(report.report.agentId).toBe('momentum-fast');
    for (const f of ['report.txt', 'report.json', 'trades.csv', 'equity.svg']) expect(existsSync(join(tmp, 'bt', f)), f).toBe(true);
    expect(readFileSync(join(tmp, 'bt', 'equity.svg'), 'utf8')).toMatch(/^<svg|<\?xml/);
    const b = await floor('backtest', '--strategy', 'config/strategies/momentum-fast.yaml', '--data', join(ROOT, 'data', 'demo.jsonl.gz'), '--json');
    expect(b.stdout).toBe(a.stdout);

    const onImported = await floor('backtest', '--strategy', 'config/strategies/momentum-fast.yaml', '--data', out);
    expect(onImported.code).toBe(0);
  });

  it('names a malformed input file and exits 1; a usage error exits 2; --help exits 0', async () => {
    const bad = await floor('data', 'import', join(FIXTURES, 'truncated.json'), '--out', join(tmp, 'x.jsonl.gz'));
    expect(bad.code).toBe(1);
    expect(bad.stderr + bad.stdout).toMatch(/truncated\.json/);
    expect((await floor('no-such-command')).code).toBe(2);
    expect((await floor('backtest', '--data', 'x')).code).toBe(2);
    const help = await floor('--help');
    expect(help.code).toBe(0);
    for (const cmd of ['status', 'agents', 'kill', 'audit', 'backtest', 'sweep', 'data']) expect(help.stdout).toContain(cmd);
  });
});
