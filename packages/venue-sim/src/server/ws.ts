import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { SandboxVenue, VenueEmission } from '../venue.js';
import { checkWsAuth } from './auth.js';
import { MALFORMED_FRAME, type WsMode } from './faults.js';
import type { RequestStats } from './stats.js';

/**
 * The CLOB WebSocket channels.
 * - `/ws/market`: first message `{assets_ids:[…], type:"market", custom_feature_enabled?}`, answered with
 *   one JSON-array frame of `book`s; then `price_change`, `last_trade_price`, `tick_size_change`, and
 *   (custom feature only) `market_resolved`. `{assets_ids, operation:"subscribe"|"unsubscribe"}` edits
 *   the subscription. Text `PING` is answered `PONG`.
 * - `/ws/user`: first message `{auth:{apiKey,secret,passphrase}, markets:[condition ids], type:"user"}`;
 *   bad credentials close the socket (1008). Then `order` and `trade` messages for that owner, filtered
 *   by market when `markets` is non-empty.
 */

const MarketSubscribe = z.object({
  assets_ids: z.array(z.string()).default([]),
  type: z.string().optional(),
  operation: z.enum(['subscribe', 'unsubscribe']).optional(),
  custom_feature_enabled: z.boolean().optional(),
});
const UserSubscribe = z.object({
  auth: z.object({ apiKey: z.string(), secret: z.string(), passphrase: z.string() }),
  markets: z.array(z.string()).default([]),
  type: z.string().optional(),
});

interface MarketClient {
  readonly kind: 'market';
  readonly socket: WebSocket;
  readonly assets: Set<string>;
  custom: boolean;
}

interface UserClient {
  readonly kind: 'user';
  readonly socket: WebSocket;
  owner: string | null;
  markets: Set<string>;
}

type Client = MarketClient | UserClient;

export class ClobWebSockets {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<Client>();
  private mode: WsMode = 'normal';
  private readonly unsubscribe: () => void;

  constructor(
    private readonly venue: SandboxVenue,
    private readonly stats: RequestStats,
  ) {
    this.unsubscribe = venue.onEmission((e) => this.deliver(e));
  }

  /** Takes an HTTP upgrade for `/ws/market` or `/ws/user`; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void {
    if (path !== '/ws/market' && path !== '/ws/user') {
      socket.destroy();
      return;
    }
    this.stats.count(`WS ${path}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.mode === 'drop') {
        ws.close(1001, 'sandbox fault: drop');
        return;
      }
      const client: Client =
        path === '/ws/market' ? { kind: 'market', socket: ws, assets: new Set(), custom: false } : { kind: 'user', socket: ws, owner: null, markets: new Set() };
      this.clients.add(client);
      ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
    });
  }

  setMode(mode: WsMode): void {
    this.mode = mode;
    if (mode === 'drop') for (const c of this.clients) c.socket.terminate();
  }

  /** One-shot fault: a truncated JSON frame on every open socket. */
  sendMalformedFrame(): void {
    for (const c of this.clients) c.socket.send(MALFORMED_FRAME);
  }

  connections(): { market: number; user: number } {
    let market = 0;
    for (const c of this.clients) if (c.kind === 'market') market += 1;
    return { market, user: this.clients.size - market };
  }

  close(): void {
    this.unsubscribe();
    for (const c of this.clients) c.socket.terminate();
    this.wss.close();
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (this.mode === 'freeze' || isBinary) return;
    const text = data.toString();
    if (text.trim() === 'PING') {
      client.socket.send('PONG');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // the venue ignores garbage
    }
    if (client.kind === 'market') this.onMarketSubscribe(client, json);
    else this.onUserSubscribe(client, json);
  }

  private onMarketSubscribe(client: MarketClient, json: unknown): void {
    const parsed = MarketSubscribe.safeParse(json);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.custom_feature_enabled !== undefined) client.custom = msg.custom_feature_enabled;
    if (msg.operation === 'unsubscribe') {
      for (const id of msg.assets_ids) client.assets.delete(id);
      return;
    }
    const added = msg.assets_ids.filter((id) => !client.assets.has(id));
    for (const id of added) client.assets.add(id);
    const books = added.map((id) => this.venue.bookSummary(id)).filter((b) => b !== undefined).map(({ min_order_size: _m, neg_risk: _n, ...b }) => ({ event_type: 'book', ...b }));
    if (books.length > 0) client.socket.send(JSON.stringify(books));
  }

  private onUserSubscribe(client: UserClient, json: unknown): void {
    const parsed = UserSubscribe.safeParse(json);
    const creds = parsed.success ? checkWsAuth(this.venue, parsed.data.auth) : null;
    if (!parsed.success || !creds) {
      client.socket.close(1008, 'Unauthorized/Invalid api key');
      return;
    }
    client.owner = creds.apiKey;
    client.markets = new Set(parsed.data.markets);
  }

  private deliver(e: VenueEmission): void {
    if (this.mode !== 'normal') return;
    const text = JSON.stringify(e.message);
    for (const c of this.clients) {
      const wanted =
        e.channel === 'market'
          ? c.kind === 'market' && c.assets.has(e.tokenId) && (!e.custom || c.custom)
          : c.kind === 'user' && c.owner === e.owner && (c.markets.size === 0 || c.markets.has(e.marketId));
      if (wanted && c.socket.readyState === c.socket.OPEN) c.socket.send(text);
    }
  }
}
