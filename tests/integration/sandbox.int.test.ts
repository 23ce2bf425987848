import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import WebSocket from 'ws';
import { ClobClient, OrderType, Side, type ApiKeyCreds } from '@polymarket/clob-client-v2';
import { MarketEvent, MarketInfo, type MarketEventWire } from '@floor/domain';
import { parseMarketFrame, parseOpenOrdersPage, parseRestBook, parseUserFrame, parseGammaMarkets } from '@floor/polymarket';
import { polyHmacSignature, startSandboxServer, type SandboxServer } from '@floor/venue-sim';

/**
 * The sandbox venue against the REAL @polymarket/clob-client-v2 (ethers v5 wallet, random key): L1 key
 * creation, L2 + EIP-712 signed orders, matching against replayed crowd liquidity, the user and market
 * WebSocket channels, and every fault switch. No network beyond 127.0.0.1.
 */

const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
const CONDITION = `0x${'5e'.repeat(32)}`;
const MARKET = MarketInfo.parse({
  marketId: CONDITION,
  question: 'Will the sandbox fill my order?',
  slug: 'will-the-sandbox-fill-my-order',
  eventId: 'evt-sandbox',
  endDateMs: Date.UTC(2030, 0, 1),
  tickSizeMicros: '10000',
  minOrderSizeMicros: '5000000',
  fee: { rateMicros: '40000', exponent: 1, takerOnly: true },
  tokens: [{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }],
});

let seq = 0;
const base = () => ({ v: 1 as const, eventId: `evt_t${(seq += 1)}`, marketId: CONDITION, tsEventMs: Date.now(), tsPublishedMs: Date.now(), source: 'sandbox' as const });
const level = (price: string, size: string) => ({ priceMicros: price, sizeMicros: size });
function bookEvent(tokenId: string, bids: Array<[string, string]>, asks: Array<[string, string]>): MarketEventWire {
  return { ...base(), type: 'book', tokenId, bids: bids.map(([p, s]) => level(p, s)), asks: asks.map(([p, s]) => level(p, s)), stale: false };
}
/** Crowd book around 0.50 for YES: bids 0.48 / 0.47, asks 0.52 / 0.53 (100 shares each). */
const CROWD_YES = bookEvent(YES, [['480000', '100000000'], ['470000', '100000000']], [['520000', '100000000'], ['530000', '100000000']]);

/** Wire-form events (as a dataset line would hold them) → what `venue.applyEvent` takes. */
const parsedEvent = (wire: MarketEventWire): MarketEvent => MarketEvent.parse(wire);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(25);
  }
}

/** A WebSocket that records every text frame. */
async function openSocket(url: string, firstMessage?: unknown): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (firstMessage !== undefined) ws.send(JSON.stringify(firstMessage));
  return { ws, frames };
}

describe('sandbox venue with the real clob-client-v2', () => {
  let sandbox: SandboxServer;
  let wallet: Wallet;
  let creds: ApiKeyCreds;
  let client: ClobClient;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    sandbox = await startSandboxServer({ port: 0, tickMs: 25, lifecycle: { minedAfterMs: 150, confirmedAfterMs: 400 }, heartbeatTimeoutMs: 600 });
    sandbox.venue.addMarkets([MARKET]);
    sandbox.venue.applyEvent({ ...base(), type: 'listed', market: MARKET });
    sandbox.venue.applyEvent(parsedEvent(CROWD_YES));
    wallet = Wallet.createRandom();
    const l1 = new ClobClient({ host: sandbox.urls.clob, chain: 137, signer: wallet });
    creds = await l1.createApiKey();
    expect(await l1.deriveApiKey()).toEqual(creds);
    client = new ClobClient({ host: sandbox.urls.clob, chain: 137, signer: wallet, creds });
  });

  afterEach(async () => {
    await fetch(`${sandbox.urls.base}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ reset: true }) });
    await client.cancelAll();
    for (const ws of sockets.splice(0)) ws.terminate();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('creates and derives L2 credentials with an L1 (EIP-712 ClobAuth) signature, and refuses a second create', async () => {
    expect(creds.key).toMatch(/^[0-9a-f-]{36}$/);
    const again = (await new ClobClient({ host: sandbox.urls.clob, chain: 137, signer: wallet }).createApiKey(0)) as unknown as { key?: string };
    expect(again.key).toBeUndefined();
    // a signature for another chain recovers to another address: refused
    const wrongChain = (await new ClobClient({ host: sandbox.urls.clob, chain: 80002, signer: wallet }).deriveApiKey()) as unknown as { error?: string; key?: string };
    expect(wrongChain.key).toBeUndefined();
  });

  it('rests a signed GTC order, then fills it when the crowd book moves through it (MATCHED → CONFIRMED on the user channel)', async () => {
    const user = await openSocket(sandbox.urls.wsUser, { auth: { apiKey: creds.key, secret: creds.secret, passphrase: creds.passphrase }, markets: [CONDITION], type: 'user' });
    sockets.push(user.ws);

    // no tick size / neg-risk given: the client asks /tick-size and /neg-risk like it would in production
    const posted = await client.createAndPostOrder({ tokenID: YES, price: 0.5, size: 10, side: Side.BUY }, undefined, OrderType.GTC);
    expect(posted).toMatchObject({ success: true, status: 'live' });
    const open = await client.getOpenOrders({ asset_id: YES });
    expect(open.map((o) => o.id)).toEqual([posted.orderID]);
    const page = parseOpenOrdersPage({ data: open, next_cursor: 'LTE=' });
    expect(page.ok && page.value.items[0]).toMatchObject({ priceMicros: 500_000n, originalSizeMicros: 10_000_000n, status: 'LIVE' });
    const book = parseRestBook(await client.getOrderBook(YES));
    expect(book.ok && book.value.bids[0]).toEqual({ priceMicros: 500_000n, sizeMicros: 10_000_000n });

    // the crowd now offers at 0.49: it trades with our resting 0.50 bid, at our price
    sandbox.venue.applyEvent(parsedEvent(bookEvent(YES, [['480000', '100000000']], [['490000', '4000000'], ['500000', '50000000']])));
    const trades = await waitFor(async () => {
      const t = await client.getTrades({ asset_id: YES });
      return t.length > 0 ? t : undefined;
    });
    expect(trades[0]).toMatchObject({ side: 'SELL', price: '0.5', size: '10', trader_side: 'MAKER', maker_orders: [{ order_id: posted.orderID, side: 'BUY' }] });
    expect(await client.getOpenOrders({ asset_id: YES })).toEqual([]);

    const statuses = await waitFor(() => {
      const seen = user.frames.flatMap((f) => parseUserFrame(f)).flatMap((r) => (r.ok && r.value.type === 'trade' ? [r.value.status] : []));
      return seen.includes('CONFIRMED') ? seen : undefined;
    });
    expect(statuses).toEqual(['MATCHED', 'MINED', 'CONFIRMED']);
    const orderKinds = user.frames.flatMap((f) => parseUserFrame(f)).flatMap((r) => (r.ok && r.value.type === 'order' ? [r.value.kind] : []));
    expect(orderKinds).toEqual(['PLACEMENT', 'UPDATE']);
  });

  it('a crossing order takes crowd asks and pays the taker fee rate; an unfillable FOK is killed', async () => {
    sandbox.venue.applyEvent(parsedEvent(CROWD_YES));
    const res = await client.createAndPostOrder({ tokenID: YES, price: 0.52, size: 20, side: Side.BUY }, { tickSize: '0.01', negRisk: false }, OrderType.GTC);
    expect(res).toMatchObject({ success: true, status: 'matched', takingAmount: '20', makingAmount: '10.4' });
    expect(res.transactionsHashes?.length).toBe(1);
    const [trade] = await client.getTrades({ id: res.tradeIDs?.[0] ?? '' });
    expect(trade).toMatchObject({ trader_side: 'TAKER', fee_rate_bps: '400', price: '0.52', side: 'BUY' });
    const fok = (await client.createAndPostMarketOrder({ tokenID: YES, amount: 1_000, side: Side.BUY, price: 0.53 }, { tickSize: '0.01' }, OrderType.FOK)) as unknown as { error?: string };
    expect(fok.error).toMatch(/FOK orders are fully filled or killed/);
  });

  it('rejects a tampered signature and an order signed by another wallet than its maker', async () => {
    const good = await client.createOrder({ tokenID: YES, price: 0.4, size: 10, side: Side.BUY }, { tickSize: '0.01', negRisk: false });
    const tamperedSig = `${good.signature.slice(0, -4)}${good.signature.endsWith('1b') ? '1c' : '1b'}`;
    const tampered = (await client.postOrder({ ...good, signature: tamperedSig }, OrderType.GTC)) as unknown as { error: string; status: number };
    expect(tampered).toMatchObject({ error: 'invalid signature', status: 400 });

    const other = Wallet.createRandom();
    const otherOrder = await new ClobClient({ host: sandbox.urls.clob, chain: 137, signer: other }).createOrder({ tokenID: YES, price: 0.4, size: 10, side: Side.BUY }, { tickSize: '0.01', negRisk: false });
    const forged = (await client.postOrder({ ...otherOrder, maker: wallet.address, signer: wallet.address }, OrderType.GTC)) as unknown as { error: string; status: number };
    expect(forged).toMatchObject({ error: 'invalid signature', status: 400 });
    expect(await client.getOpenOrders()).toEqual([]);
  });

  it('answers 401 to a request with a bad L2 HMAC', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = { POLY_ADDRESS: wallet.address, POLY_API_KEY: creds.key, POLY_PASSPHRASE: creds.passphrase, POLY_TIMESTAMP: ts };
    const good = await fetch(`${sandbox.urls.clob}/data/orders`, { headers: { ...headers, POLY_SIGNATURE: polyHmacSignature(creds.secret, ts, 'GET', '/data/orders', '') } });
    expect(good.status).toBe(200);
    const bad = await fetch(`${sandbox.urls.clob}/data/orders`, { headers: { ...headers, POLY_SIGNATURE: polyHmacSignature(creds.secret, ts, 'GET', '/data/trades', '') } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'Unauthorized/Invalid api key' });
  });

  it('market channel: book snapshot, then price_change the floor parser accepts; PING → PONG; Gamma parses', async () => {
    const market = await openSocket(sandbox.urls.wsMarket, { assets_ids: [YES], type: 'market' });
    sockets.push(market.ws);
    const snapshot = await waitFor(() => market.frames[0]);
    const books = parseMarketFrame(snapshot);
    expect(books.every((r) => r.ok && r.value.type === 'book')).toBe(true);

    sandbox.venue.applyEvent(parsedEvent(bookEvent(YES, [['490000', '30000000'], ['480000', '100000000']], [['520000', '100000000']])));
    const change = await waitFor(() => market.frames.slice(1).map((f) => parseMarketFrame(f)).flat().find((r) => r.ok && r.value.type === 'price_change'));
    expect(change.ok && change.value.type === 'price_change' && change.value.changes.map((c) => [c.side, c.priceMicros, c.sizeMicros])).toEqual(
      expect.arrayContaining([['BUY', 490_000n, 30_000_000n], ['SELL', 530_000n, 0n]]),
    );

    market.ws.send('PING');
    await waitFor(() => (market.frames.includes('PONG') ? true : undefined));

    const gamma = (await (await fetch(`${sandbox.urls.gamma}/markets?limit=10`)).json()) as unknown[];
    const batch = parseGammaMarkets(gamma);
    expect(batch.rejected).toEqual([]);
    expect(batch.accepted[0]?.info).toMatchObject({ marketId: CONDITION, tokens: MARKET.tokens, fee: { rateMicros: 40_000n } });
  });

  it('counts requests per endpoint: reading market data never reaches the order endpoints', async () => {
    await fetch(`${sandbox.urls.base}/_sandbox/stats/reset`, { method: 'POST' });
    await client.getOrderBook(YES);
    await client.getMidpoint(YES);
    const stats = (await (await fetch(`${sandbox.urls.base}/_sandbox/stats`)).json()) as { requests: Record<string, number> };
    expect(stats.requests).toMatchObject({ 'GET /book': 1, 'GET /midpoint': 1 });
    expect(Object.keys(stats.requests).filter((k) => /\/(order|orders|cancel-all)$/.test(k))).toEqual([]);
  });

  it('cancels resting orders when heartbeats stop', async () => {
    const beat = (await client.postHeartbeat()) as { heartbeat_id: string };
    expect(beat.heartbeat_id).toBeTruthy();
    const posted = await client.createAndPostOrder({ tokenID: YES, price: 0.3, size: 10, side: Side.BUY }, { tickSize: '0.01', negRisk: false });
    expect(posted.status).toBe('live');
    await waitFor(async () => ((await client.getOpenOrders()).length === 0 ? true : undefined), 3_000);
  });

  describe('fault switches', () => {
    const setFaults = (patch: unknown) => fetch(`${sandbox.urls.base}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });

    it('answers 429 with Retry-After, or 500, on the chosen endpoint family only', async () => {
      await setFaults({ httpErrors: [{ family: 'market-data', status: 429, retryAfterSeconds: 3 }, { family: 'gamma', status: 500 }] });
      const limited = await fetch(`${sandbox.urls.clob}/book?token_id=${YES}`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await fetch(`${sandbox.urls.gamma}/markets`)).status).toBe(500);
      expect((await fetch(`${sandbox.urls.clob}/time`)).status).toBe(200);
    });

    it('delays answers', async () => {
      await setFaults({ delayMs: 300 });
      const started = Date.now();
      await fetch(`${sandbox.urls.clob}/time`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('sends a malformed frame, freezes, and drops the sockets', async () => {
      const market = await openSocket(sandbox.urls.wsMarket, { assets_ids: [YES], type: 'market' });
      sockets.push(market.ws);
      await waitFor(() => market.frames[0]);
      await setFaults({ malformedFrame: true });
      const bad = await waitFor(() => market.frames.slice(1).map((f) => parseMarketFrame(f)).flat().find((r) => !r.ok));
      expect(bad).toMatchObject({ ok: false, kind: 'malformed', eventType: 'price_change' });

      await setFaults({ ws: 'freeze' });
      const before = market.frames.length;
      market.ws.send('PING');
      sandbox.venue.applyEvent(parsedEvent(bookEvent(YES, [['450000', '5000000']], [['550000', '5000000']])));
      await sleep(300);
      expect(market.frames.length).toBe(before);
      expect(market.ws.readyState).toBe(WebSocket.OPEN);

      const closed = new Promise<void>((resolve) => market.ws.once('close', () => resolve()));
      await setFaults({ ws: 'drop' });
      await closed;
    });

    it('accepts an order but times out the answer; the order is on the book all the same', async () => {
      sandbox.venue.applyEvent(parsedEvent(CROWD_YES));
      await setFaults({ acceptThenTimeout: { orders: 1, hangMs: 300 } });
      const res = (await client.createAndPostOrder({ tokenID: YES, price: 0.41, size: 10, side: Side.BUY }, { tickSize: '0.01', negRisk: false })) as unknown as { error?: string; orderID?: string };
      expect(res.orderID).toBeUndefined();
      expect(res.error).toBeTruthy();
      const open = await client.getOpenOrders({ asset_id: YES });
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ price: '0.41', original_size: '10', status: 'LIVE' });
    });
  });
});
