import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MarketEvent } from '@floor/domain';
import { SandboxVenue, type SandboxVenueOptions } from '../venue.js';
import { checkL1, checkL2 } from './auth.js';
import { FaultConfig, FaultPatch, httpErrorFor, NO_FAULTS } from './faults.js';
import { jsonOf, readBody, sendJson } from './http-util.js';
import { findRoute } from './routes.js';
import { RequestStats } from './stats.js';
import { ClobWebSockets } from './ws.js';

/**
 * One HTTP + WebSocket server on 127.0.0.1 speaking Polymarket's protocol over a `SandboxVenue`:
 *   Gamma  `${base}/gamma`          (GET /markets, /events)
 *   CLOB   `${base}`                (public data, L1/L2 auth, orders, heartbeats)
 *   WS     `${wsBase}/ws/market`, `${wsBase}/ws/user`
 * plus the sandbox's own control surface under `/_sandbox` (never counted, never faulted):
 *   GET  /_sandbox/stats           request counts per endpoint, open sockets
 *   POST /_sandbox/stats/reset
 *   GET  /_sandbox/faults          current fault config
 *   POST /_sandbox/faults          JSON `FaultPatch`
 *   POST /_sandbox/events          one `MarketEvent` (wire form) or an array, applied to the venue
 */

export interface SandboxServerOptions extends SandboxVenueOptions {
  /** 0 = any free port */
  readonly port?: number;
  readonly faults?: Partial<FaultConfig>;
  /** how often timed work runs (trade lifecycle, expiry, heartbeats); default 100 ms */
  readonly tickMs?: number;
}

export interface SandboxUrls {
  readonly base: string;
  readonly gamma: string;
  readonly clob: string;
  readonly ws: string;
  readonly wsMarket: string;
  readonly wsUser: string;
}

export interface SandboxServer {
  readonly venue: SandboxVenue;
  readonly urls: SandboxUrls;
  readonly stats: RequestStats;
  faults(): FaultConfig;
  applyFaults(patch: FaultPatch): FaultConfig;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startSandboxServer(opts: SandboxServerOptions = {}): Promise<SandboxServer> {
  const venue = new SandboxVenue(opts);
  const stats = new RequestStats();
  const sockets = new ClobWebSockets(venue, stats);
  let faults: FaultConfig = FaultConfig.parse({ ...NO_FAULTS, ...opts.faults });
  sockets.setMode(faults.ws);

  const applyFaults = (patch: FaultPatch): FaultConfig => {
    const p = FaultPatch.parse(patch);
    const { malformedFrame, reset, ...config } = p;
    faults = FaultConfig.parse({ ...(reset ? NO_FAULTS : faults), ...config });
    sockets.setMode(faults.ws);
    if (malformedFrame) sockets.sendMalformedFrame();
    return faults;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (url.pathname.startsWith('/_sandbox/')) return control(method, url.pathname, body, res);

    stats.count(`${method} ${url.pathname}`);
    const found = findRoute(method, url.pathname);
    if (!found) return sendJson(res, 404, { error: 'not found' });
    const { route, params } = found;

    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const injected = httpErrorFor(faults, route.family);
    if (injected?.status === 429) return sendJson(res, 429, { error: 'Too Many Requests' }, { 'retry-after': String(injected.retryAfterSeconds) });
    if (injected?.status === 500) return sendJson(res, 500, { error: 'Internal Server Error' });

    let creds = null;
    let l1 = null;
    if (route.auth === 'l1') {
      const auth = checkL1(venue, req.headers);
      if (!auth.ok) return sendJson(res, auth.status, { error: auth.error });
      l1 = auth.value;
    } else if (route.auth === 'l2') {
      const auth = checkL2(venue, { headers: req.headers, method, path: url.pathname, body });
      if (!auth.ok) return sendJson(res, auth.status, { error: auth.error });
      creds = auth.value;
    }

    const answer = route.handle({ venue, url, json: jsonOf(body), params, creds, l1 });
    if (route.family === 'orders' && faults.acceptThenTimeout.orders > 0) {
      // the order is on the book; the caller just never hears about it
      faults = { ...faults, acceptThenTimeout: { ...faults.acceptThenTimeout, orders: faults.acceptThenTimeout.orders - 1 } };
      setTimeout(() => req.socket.destroy(), faults.acceptThenTimeout.hangMs).unref();
      return;
    }
    sendJson(res, answer.status, answer.body);
  }

  function control(method: string, path: string, body: string, res: ServerResponse): void {
    const key = `${method} ${path}`;
    if (key === 'GET /_sandbox/stats') return sendJson(res, 200, { requests: stats.snapshot(), sockets: sockets.connections() });
    if (key === 'POST /_sandbox/stats/reset') {
      stats.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (key === 'GET /_sandbox/faults') return sendJson(res, 200, faults);
    if (key === 'POST /_sandbox/faults') {
      const parsed = FaultPatch.safeParse(jsonOf(body));
      if (!parsed.success) return sendJson(res, 400, { error: parsed.error.message });
      return sendJson(res, 200, applyFaults(parsed.data));
    }
    if (key === 'POST /_sandbox/events') {
      const raw = jsonOf(body);
      const parsed = MarketEvent.array().safeParse(Array.isArray(raw) ? raw : [raw]);
      if (!parsed.success) return sendJson(res, 400, { error: parsed.error.message });
      for (const event of parsed.data) venue.applyEvent(event);
      return sendJson(res, 200, { applied: parsed.data.length });
    }
    sendJson(res, 404, { error: 'not found' });
  }

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
    sockets.handleUpgrade(req, socket, head, path);
  });

  const ticker = setInterval(() => venue.tick(), opts.tickMs ?? 100);
  ticker.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${HOST}:${port}`;
  const ws = `ws://${HOST}:${port}/ws`;

  return {
    venue,
    stats,
    urls: { base, gamma: `${base}/gamma`, clob: base, ws, wsMarket: `${ws}/market`, wsUser: `${ws}/user` },
    faults: () => faults,
    applyFaults,
    close: async () => {
      clearInterval(ticker);
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
