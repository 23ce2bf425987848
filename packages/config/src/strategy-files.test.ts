import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadStrategyDir, parseStrategyFile, type ParamsValidator } from './strategy-files.js';
import { parseFloorConfig } from './floor-config.js';

const validate: ParamsValidator = (strategy, params) => {
  if (strategy !== 'momentum') throw new Error(`unknown strategy '${strategy}'`);
  const r = z.object({ lookback: z.number().int().min(2).default(10) }).strict().safeParse(params);
  if (!r.success) throw new Error(r.error.issues.map((i) => `params.${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
};

describe('strategy files', () => {
  it("accepts a `risk:` block of agent limits and rejects a floor-wide key in it", () => {
    const spec = parseStrategyFile('strategy: momentum\nrisk:\n  maxOpenPositions: 3\n  maxStakeUsd: 50\n', 'config/strategies/r.yaml', validate);
    expect(spec.risk).toEqual({ maxOpenPositions: 3, maxStakeUsd: 50_000_000n });
    expect(() => parseStrategyFile('strategy: momentum\nrisk:\n  dailyLossLimit: 0.5\n', 'config/strategies/r.yaml', validate)).toThrow(/risk/);
  });

  it('floor.yaml has `risk` and `evolution` sections with defaults', () => {
    const floor = parseFloorConfig({ evolution: { periodMs: 60_000, cloneTestDataset: 'data/x.jsonl.gz' } });
    expect(floor.evolution).toMatchObject({ enabled: true, periodMs: 60_000, cloneTestDataset: 'data/x.jsonl.gz', minTrades: 30 });
    expect(floor.risk.breakers.maxConsecutiveLosses).toBe(5);
    expect(() => parseFloorConfig({ evolution: { periodMs: 10 } })).toThrow(/evolution\.periodMs/);
  });

  it('parses a valid file and fills defaults; the agent id is the file name', () => {
    const spec = parseStrategyFile('strategy: momentum\nparams: {}\n', 'config/strategies/mom-1.yaml', validate);
    expect(spec.agentId).toBe('mom-1');
    expect(spec.weight).toBe(1);
    expect(spec.markets).toBe('all');
    expect(spec.resolvedParams).toEqual({ lookback: 10 });
  });
  it('names the file and the field of a typo', () => {
    expect(() => parseStrategyFile('strategy: momentum\nwieght: 2\n', 'x/a.yaml', validate)).toThrow(/x\/a\.yaml: .*wieght/);
    expect(() => parseStrategyFile('strategy: momentum\nparams: {lookbak: 3}\n', 'x/b.yaml', validate)).toThrow(/x\/b\.yaml: .*lookbak/);
    expect(() => parseStrategyFile('strategy: momentum\nparams: {lookback: 1}\n', 'x/c.yaml', validate)).toThrow(/params\.lookback/);
    expect(() => parseStrategyFile('strategy: [oops\n', 'x/d.yaml', validate)).toThrow(/x\/d\.yaml: line \d+.*YAML syntax error/);
  });
  it('loads the good files of a folder and reports the bad ones without stopping', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floor-cfg-'));
    writeFileSync(join(dir, 'good.yaml'), 'strategy: momentum\n');
    writeFileSync(join(dir, 'bad.yaml'), 'strategy: momentum\nweight: -1\n');
    writeFileSync(join(dir, 'Bad Name.yaml'), 'strategy: momentum\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { agents, errors } = loadStrategyDir(dir, validate);
    rmSync(dir, { recursive: true, force: true });
    expect(agents.map((a) => a.agentId)).toEqual(['good']);
    expect(errors.map((e) => e.file).sort()).toEqual([join(dir, 'Bad Name.yaml'), join(dir, 'bad.yaml')].sort());
    expect(errors.find((e) => e.file.endsWith('bad.yaml'))?.message).toMatch(/weight/);
  });
});

describe('floor config', () => {
  it('parses dollar amounts exactly and rejects unknown keys', () => {
    const cfg = parseFloorConfig({ bankrollUsd: '1234.56', limits: { maxStakeUsd: 25 } });
    expect(cfg.bankrollUsd).toBe(1_234_560_000n);
    expect(cfg.limits.maxStakeUsd).toBe(25_000_000n);
    expect(() => parseFloorConfig({ bankrol: 5 }, 'floor.yaml')).toThrow(/floor\.yaml: .*bankrol/);
    expect(() => parseFloorConfig({ bankrollUsd: '1e5' })).toThrow(/bankrollUsd/);
  });
});
