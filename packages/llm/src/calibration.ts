/**
 * Calibration of model probabilities, Platt style: logit(p′) = a·logit(p) + b.
 * With a < 1 extreme answers are pulled toward 0.5 (LLMs are overconfident); b shifts toward YES or NO.
 * (a, b) come from config until enough forecasts have resolved, then from a regularised logistic fit on
 * them. Everything here is pure and deterministic.
 */

export interface PlattParams {
  readonly a: number;
  readonly b: number;
}

/** One resolved forecast: what the ensemble said, and whether YES won (1) or not (0). */
export interface CalibrationSample {
  readonly probability: number;
  readonly outcome: 0 | 1;
}

/** Probabilities are clamped this far from 0 and 1 so that logit stays finite. */
const EPSILON = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return Math.log(q / (1 - q));
}

export function sigmoid(x: number): number {
  // split by sign so exp never overflows
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Applies logit(p′) = a·logit(p) + b. */
export function calibrate(p: number, params: PlattParams): number {
  return sigmoid(params.a * logit(p) + params.b);
}

export interface PlattFit extends PlattParams {
  readonly samples: number;
  readonly iterations: number;
  /** false if Newton did not settle within the iteration cap (the last iterate is still returned) */
  readonly converged: boolean;
}

/**
 * Fits (a, b) by Newton's method (IRLS) on the penalised log-likelihood
 *   Σ log L(yᵢ | σ(a·logit(pᵢ) + b)) − (l2 / 2)·((a − a₀)² + (b − b₀)²)
 * where (a₀, b₀) is the prior (the configured params): with few samples the fit stays near the prior.
 * Returns undefined below `minSamples`. Deterministic: no random start, no sampling.
 */
export function fitPlatt(
  samples: readonly CalibrationSample[],
  options: { minSamples: number; l2: number; prior: PlattParams; maxIterations?: number },
): PlattFit | undefined {
  if (samples.length < options.minSamples || samples.length === 0) return undefined;
  const xs = samples.map((s) => logit(s.probability));
  const ys = samples.map((s) => s.outcome);
  const { l2, prior } = options;
  const maxIterations = options.maxIterations ?? 100;

  const objective = (a: number, b: number): number => {
    let nll = 0;
    xs.forEach((x, i) => {
      const z = a * x + b;
      // −log σ(z) = log(1 + e^−z), computed without overflow
      nll += ys[i] === 1 ? softplus(-z) : softplus(z);
    });
    return nll + (l2 / 2) * ((a - prior.a) ** 2 + (b - prior.b) ** 2);
  };

  let a = prior.a;
  let b = prior.b;
  let value = objective(a, b);
  for (let iteration = 1; iteration <= maxIterations; iteration += 1) {
    // gradient g and Hessian H of the penalised negative log-likelihood
    let ga = l2 * (a - prior.a);
    let gb = l2 * (b - prior.b);
    let haa = l2;
    let hab = 0;
    let hbb = l2;
    xs.forEach((x, i) => {
      const p = sigmoid(a * x + b);
      const r = p - (ys[i] as number);
      const w = p * (1 - p);
      ga += r * x;
      gb += r;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    });
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) return { a, b, samples: samples.length, iterations: iteration, converged: false };
    // Newton step −H⁻¹g, halved until the objective does not get worse (guards separable data)
    let stepA = -(hbb * ga - hab * gb) / det;
    let stepB = -(haa * gb - hab * ga) / det;
    let next = objective(a + stepA, b + stepB);
    for (let halvings = 0; next > value && halvings < 30; halvings += 1) {
      stepA /= 2;
      stepB /= 2;
      next = objective(a + stepA, b + stepB);
    }
    a += stepA;
    b += stepB;
    value = next;
    if (Math.abs(stepA) < 1e-9 && Math.abs(stepB) < 1e-9) {
      return { a, b, samples: samples.length, iterations: iteration, converged: true };
    }
  }
  return { a, b, samples: samples.length, iterations: maxIterations, converged: false };
}

/** The params to use now: fitted once there are enough resolved samples, else the configured ones. */
export function currentCalibration(
  samples: readonly CalibrationSample[],
  config: PlattParams & { readonly minSamples: number; readonly l2: number },
): PlattParams & { readonly source: 'config' | 'fitted'; readonly samples: number } {
  const fit = fitPlatt(samples, { minSamples: config.minSamples, l2: config.l2, prior: config });
  return fit?.converged
    ? { a: fit.a, b: fit.b, source: 'fitted', samples: fit.samples }
    : { a: config.a, b: config.b, source: 'config', samples: samples.length };
}

/** Mean squared error of probabilities against outcomes (0 = perfect, 0.25 = always saying 0.5). */
export function brierScore(samples: readonly CalibrationSample[]): number {
  if (samples.length === 0) return Number.NaN;
  return samples.reduce((s, x) => s + (x.probability - x.outcome) ** 2, 0) / samples.length;
}

export interface CalibrationBucket {
  /** inclusive lower bound */
  readonly from: number;
  /** exclusive upper bound (inclusive for the last bucket) */
  readonly to: number;
  readonly count: number;
  /** mean forecast in the bucket (NaN when empty) */
  readonly meanProbability: number;
  /** share of YES outcomes in the bucket (NaN when empty) */
  readonly observedRate: number;
}

/** Reliability table: forecasts in `buckets` equal-width bins, with the mean forecast and the YES rate of each. */
export function calibrationTable(samples: readonly CalibrationSample[], buckets = 10): CalibrationBucket[] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError('buckets must be a positive integer');
  const sums = Array.from({ length: buckets }, () => ({ count: 0, probability: 0, outcomes: 0 }));
  for (const s of samples) {
    const index = Math.min(buckets - 1, Math.max(0, Math.floor(s.probability * buckets)));
    const bucket = sums[index] as (typeof sums)[number];
    bucket.count += 1;
    bucket.probability += s.probability;
    bucket.outcomes += s.outcome;
  }
  return sums.map((s, i) => ({
    from: i / buckets,
    to: (i + 1) / buckets,
    count: s.count,
    meanProbability: s.count ? s.probability / s.count : Number.NaN,
    observedRate: s.count ? s.outcomes / s.count : Number.NaN,
  }));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
