import type { MarketCategory } from '@floor/domain';

/**
 * Keyword classification of a market into the floor's coarse categories. Gamma's own `category`
 * field is absent on most current payloads, so we read the text a human would: the question, the
 * slug, the tags and the event title.
 *
 * Each source scores the categories whose keywords it contains; tags weigh most (curated by
 * Polymarket), then the question, then the event title, then the slug (which repeats the question).
 * The highest score wins; ties go to the earlier category in CATEGORY_PRECEDENCE, and no match at
 * all is `other`.
 */

export interface ClassifyInput {
  readonly question: string;
  readonly slug?: string;
  /** Tag labels or slugs, e.g. `"Crypto"`, `"fed-rates"`. */
  readonly tags?: readonly string[];
  readonly eventTitle?: string;
}

type ScoredCategory = Exclude<MarketCategory, 'other'>;

/**
 * Ties are broken in this order. Specific subjects come before broad ones: "Bitcoin above $100k on
 * election day?" is a crypto market, "NVIDIA close above $240?" is corporate before macro.
 */
const CATEGORY_PRECEDENCE: readonly ScoredCategory[] = ['crypto', 'weather', 'sports', 'corporate', 'macro', 'elections'];

/**
 * Keywords per category, matched case-insensitively on word boundaries. Multi-word phrases are
 * allowed; `\b` semantics mean "eth" does not match "ethics".
 */
const KEYWORDS: Readonly<Record<ScoredCategory, readonly string[]>> = {
  crypto: [
    'crypto', 'cryptocurrency', 'bitcoin', 'btc', 'ethereum', 'eth', 'ether', 'solana', 'sol', 'xrp', 'ripple',
    'dogecoin', 'doge', 'cardano', 'bnb', 'litecoin', 'stablecoin', 'usdc', 'usdt', 'tether', 'memecoin',
    'airdrop', 'fdv', 'token launch', 'defi', 'nft', 'binance', 'coinbase', 'microstrategy', 'altcoin',
    'hyperliquid', 'pump.fun',
  ],
  weather: [
    'weather', 'temperature', 'highest temperature', 'lowest temperature', 'degrees', '°f', '°c', 'rainfall',
    'rain', 'snow', 'snowfall', 'hurricane', 'tropical storm', 'tornado', 'heatwave', 'heat wave', 'climate',
    'precipitation', 'noaa', 'el nino', 'la nina', 'wildfire',
  ],
  sports: [
    'sports', 'nba', 'nfl', 'mlb', 'nhl', 'mls', 'wnba', 'ncaa', 'ufc', 'boxing', 'premier league',
    'champions league', 'la liga', 'serie a', 'bundesliga', 'ligue 1', 'world cup', 'super bowl',
    'stanley cup', 'world series', 'finals', 'playoffs', 'grand slam', 'wimbledon', 'us open', 'french open',
    'australian open', 'grand prix', 'formula 1', 'f1', 'tennis', 'golf', 'pga', 'cricket', 'olympics',
    'esports', 'counter-strike', 'counter strike', 'cs2', 'league of legends', 'dota', 'valorant', 'bo3', 'bo5', 'fc', 'vs',
    'match', 'game', 'mvp', 'touchdown', 'goalscorer', 'moneyline', 'spread', 'over/under',
  ],
  corporate: [
    'stock', 'stocks', 'shares', 'earnings', 'revenue', 'eps', 'ipo', 'ceo', 'market cap', 'acquisition',
    'acquire', 'merger', 'layoffs', 'nasdaq', 'nyse', 'close above', 'close below', 'nvidia', 'nvda', 'apple',
    'aapl', 'tesla', 'tsla', 'microsoft', 'msft', 'amazon', 'amzn', 'google', 'alphabet', 'googl', 'meta',
    'openai', 'anthropic', 'spacex', 'netflix', 'product launch', 'gpt-5', 'iphone', 'tiktok',
  ],
  macro: [
    'economy', 'economics', 'fed', 'federal reserve', 'fomc', 'interest rate', 'interest rates', 'rate cut',
    'rate hike', 'bps', 'cpi', 'inflation', 'pce', 'gdp', 'recession', 'unemployment', 'jobs report',
    'nonfarm payrolls', 'payrolls', 'treasury', 'yield', '10-year', 'tariff', 'tariffs', 'ecb', 'bank of england',
    'boj', 'powell', 'oil price', 'crude oil', 'wti', 'brent', 's&p 500', 'dow jones', 'government shutdown',
    'debt ceiling',
  ],
  elections: [
    'election', 'elections', 'elected', 'electoral', 'primary', 'primaries', 'nominee', 'nomination',
    'presidential', 'president', 'senate', 'house of representatives', 'governor', 'mayor', 'parliament',
    'prime minister', 'chancellor', 'referendum', 'ballot', 'vote', 'votes', 'voters', 'polls', 'caucus',
    'democrat', 'democratic', 'republican', 'gop', 'electoral college', 'swing state', 'runoff', 'politics',
  ],
};

/** Weight of a keyword hit per source. */
const SOURCE_WEIGHT = { tags: 3, question: 2, eventTitle: 2, slug: 1 } as const;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * One regex per category. `\b` does not work next to non-word characters ("°f", "s&p 500", "vs."),
 * so boundaries are "not a letter or digit" look-arounds instead.
 */
const MATCHERS: ReadonlyArray<readonly [ScoredCategory, RegExp]> = CATEGORY_PRECEDENCE.map((category) => {
  const alternatives = KEYWORDS[category].map(escapeRegex).join('|');
  return [category, new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})(?![\\p{L}\\p{N}])`, 'iu')] as const;
});

/** Slugs and tag slugs use dashes for spaces: "fed-rates" reads as "fed rates". */
function dashesToSpaces(text: string): string {
  return text.replace(/-/g, ' ');
}

/** Scores every category for the given market text. Exported for tests and for debugging a surprise. */
export function categoryScores(input: ClassifyInput): Record<ScoredCategory, number> {
  const scores: Record<ScoredCategory, number> = { crypto: 0, weather: 0, sports: 0, corporate: 0, macro: 0, elections: 0 };
  const sources: Array<[text: string, weight: number]> = [
    [input.question, SOURCE_WEIGHT.question],
    [input.eventTitle ?? '', SOURCE_WEIGHT.eventTitle],
    [dashesToSpaces(input.slug ?? ''), SOURCE_WEIGHT.slug],
    ...(input.tags ?? []).map((tag): [string, number] => [dashesToSpaces(tag), SOURCE_WEIGHT.tags]),
  ];
  for (const [text, weight] of sources) {
    if (!text) continue;
    for (const [category, matcher] of MATCHERS) {
      if (matcher.test(text)) scores[category] += weight;
    }
  }
  return scores;
}

/** The market's category: the best-scoring one, or `other` when no keyword matched. */
export function classifyMarket(input: ClassifyInput): MarketCategory {
  const scores = categoryScores(input);
  let best: MarketCategory = 'other';
  let bestScore = 0;
  for (const category of CATEGORY_PRECEDENCE) {
    if (scores[category] > bestScore) {
      best = category;
      bestScore = scores[category];
    }
  }
  return best;
}
