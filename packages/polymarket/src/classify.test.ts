import { describe, expect, it } from 'vitest';
import { categoryScores, classifyMarket } from './classify.js';

describe('classifyMarket', () => {
  it.each([
    ['Will Gavin Newsom win the 2028 Democratic presidential nomination?', 'elections'],
    ['Will Reform UK win the most seats in the next UK general election?', 'elections'],
    ['Who will be the next Prime Minister of Japan?', 'elections'],
    ['Fed decreases interest rates by 25 bps after September 2026 meeting?', 'macro'],
    ['Will US CPI inflation be above 3.0% in July?', 'macro'],
    ['US recession in 2026?', 'macro'],
    ['Will NVIDIA (NVDA) close above $240 end of January?', 'corporate'],
    ['Will Apple announce an acquisition before October?', 'corporate'],
    ['Tesla Q3 earnings above $0.60 EPS?', 'corporate'],
    ['Highest temperature in NYC on August 3?', 'weather'],
    ['Will a hurricane make landfall in Florida in September?', 'weather'],
    ['Will the highest temperature in Chicago be 90°F or higher on July 30?', 'weather'],
    ['Counter-Strike: FaZe vs illwill (BO3) - HLC Belgrade Pro Playoffs', 'sports'],
    ['Will the Boston Celtics win the 2027 NBA Finals?', 'sports'],
    ['Arsenal vs. Chelsea: who will win?', 'sports'],
    ['Bitcoin Up or Down - March 12, 5:20AM-5:25AM ET', 'crypto'],
    ['Will Ethereum reach $5,000 by December 31?', 'crypto'],
    ['Katana FDV above $1B one day after launch?', 'crypto'],
    ['Russia x Ukraine ceasefire by end of 2027?', 'other'],
    ['Will Taylor Swift announce a new album in 2026?', 'other'],
  ] as const)('%s → %s', (question, expected) => {
    expect(classifyMarket({ question })).toBe(expected);
  });

  it('matches whole words only: "ethics" is not ETH, "Solar" is not SOL', () => {
    expect(classifyMarket({ question: 'Will the Senate ethics committee open an inquiry?' })).toBe('elections');
    expect(classifyMarket({ question: 'Solar eclipse visible in Spain?' })).toBe('other');
  });

  it('lets tags decide what the question leaves open', () => {
    expect(classifyMarket({ question: 'Will Ripple win its appeal?' })).toBe('crypto');
    expect(classifyMarket({ question: 'Will FaZe beat NAVI?' })).toBe('other');
    expect(classifyMarket({ question: 'Will FaZe beat NAVI?', tags: ['counter-strike'] })).toBe('sports');
    expect(classifyMarket({ question: 'Cut in September?', tags: ['fed-rates'] })).toBe('macro');
  });

  it('reads the event title and slug too', () => {
    expect(classifyMarket({ question: 'Gavin Newsom', eventTitle: 'Democratic Presidential Nominee 2028' })).toBe('elections');
    expect(classifyMarket({ question: 'Up 2%?', slug: 'bitcoin-weekly-up-2-percent' })).toBe('crypto');
  });

  it('weighs the subject over a passing mention', () => {
    // crypto subject, election only as the date
    const input = { question: 'Will Bitcoin be above $150k on election day?', tags: ['Crypto', 'Bitcoin'] };
    expect(classifyMarket(input)).toBe('crypto');
    expect(categoryScores(input).crypto).toBeGreaterThan(categoryScores(input).elections);
  });
});
