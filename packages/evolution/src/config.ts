import { z } from 'zod';

/**
 * The Boss's evolution settings (an `evolution:` section for floor.yaml; hook it into FloorConfig like `risk`).
 * Every field has a default, so `{}` is valid.
 */
export const EvolutionConfig = z
  .object({
    enabled: z.boolean().default(true).describe('whether the Boss evaluates the population each period (allocation, clones, retirements). Default true'),
    periodMs: z
      .number()
      .int()
      .min(1_000)
      .default(3_600_000)
      .describe('length of an evaluation period, ms; the first evaluation comes one whole period after the floor first starts. Default 1 h'),
    cloneTestDataset: z
      .string()
      .min(1)
      .optional()
      .describe('recorded dataset (floor-dataset .jsonl.gz, relative to the repo root) every clone is backtested on before it starts; without one, clones are refused'),
    cloneTestWindowMs: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('backtest clones on only the last this-many ms of the dataset (its most recent data); 0 = the whole dataset. Default 0'),
    minTrades: z.number().int().min(2).default(30).describe('closed trades before an agent is judged on its record (before that it is on probation). Default 30'),
    promoteDsr: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.95)
      .describe('Deflated Sharpe Ratio an agent needs to be cloned: the confidence that its Sharpe beats the best of the trials by luck. Default 0.95'),
    retirePsr: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.2)
      .describe('an agent whose PSR (probability that its true Sharpe is above 0) falls below this after minTrades is retired. Default 0.2'),
    maxBreakerTrips: z.number().int().positive().default(3).describe('an agent whose breakers tripped this many times is retired. Default 3'),
    minPopulation: z.number().int().nonnegative().default(2).describe('retirement never takes the population below this. Default 2'),
    maxPopulation: z.number().int().positive().default(12).describe('cloning never takes the population above this. Default 12'),
    maxClonesPerReview: z.number().int().nonnegative().default(1).describe('clones started per review at most. Default 1'),
    allocation: z
      .object({
        probationShare: z.number().min(0).max(1).default(0.02).describe('capital of an agent on probation, as a share of the bankroll. Default 0.02'),
        maxAgentShare: z.number().gt(0).max(1).default(0.2).describe('most capital one agent is allotted, as a share of the bankroll. Default 0.20'),
      })
      .strict()
      .prefault({}),
    mutation: z
      .object({
        scale: z.number().gt(0).max(1).default(0.1).describe("standard deviation of a parameter's step, as a share of its schema range. Default 0.1"),
        rate: z.number().gt(0).max(1).default(0.5).describe('chance that each numeric parameter is mutated (at least one always is). Default 0.5'),
      })
      .strict()
      .prefault({}),
    backtest: z
      .object({
        minTrades: z.number().int().nonnegative().default(20).describe('closed trades a clone needs in its backtest. Default 20'),
        minSharpe: z.number().default(0).describe('per-trade Sharpe a clone must beat in its backtest. Default 0'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.minPopulation <= c.maxPopulation, { message: 'minPopulation must not exceed maxPopulation', path: ['minPopulation'] });
export type EvolutionConfig = z.output<typeof EvolutionConfig>;
