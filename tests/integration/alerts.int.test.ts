import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseEnv } from '@floor/config';
import { Alerter, channelsFromEnv, type AlertEvent } from '@floor/alerts';

/** A stand-in for Telegram, Slack and Discord on 127.0.0.1: records every request, answers from a script. */
interface Recorded {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

const TOKEN = '123456:SECRET-bot-token';
const killSwitchSet: AlertEvent = { type: 'kill_switch_set', target: { scope: 'floor' }, reason: 'drawdown 12% > 10%', actor: 'operator ops' };

describe('alert channels against a local server', () => {
  let server: Server;
  let base: string;
  const received: Recorded[] = [];
  /** status codes to answer per path, in order; then 200. 'hang' never answers. */
  const script = new Map<string, Array<number | 'hang'>>();
  const logLines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        received.push({ path, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString() || 'null') as unknown });
        const next = script.get(path)?.shift() ?? 200;
        if (next === 'hang') return;
        res.writeHead(next, { 'content-type': 'application/json' }).end(next === 200 ? '{"ok":true}' : '{"ok":false,"description":"try later"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    logLines.length = 0;
    script.clear();
  });

  const env = () =>
    parseEnv({
      ALERT_TELEGRAM_BOT_TOKEN: TOKEN,
      ALERT_TELEGRAM_CHAT_ID: '-10042',
      ALERT_TELEGRAM_API_BASE: base,
      ALERT_SLACK_WEBHOOK_URL: `${base}/services/T000/B000/slack-secret`,
      ALERT_DISCORD_WEBHOOK_URL: `${base}/api/webhooks/1/discord-secret`,
    });
  const alerter = (opts: { timeoutMs?: number } = {}) =>
    new Alerter({ channels: channelsFromEnv(env()), log, attempts: 3, backoffMs: 10, timeoutMs: opts.timeoutMs ?? 2_000 });

  it("posts each channel's wire format", async () => {
    const deliveries = await alerter().send(killSwitchSet);
    expect(deliveries).toEqual([
      { channel: 'telegram', ok: true, attempts: 1 },
      { channel: 'slack', ok: true, attempts: 1 },
      { channel: 'discord', ok: true, attempts: 1 },
    ]);
    const text = '🔴 CRITICAL: kill switch SET for the whole floor\nreason: drawdown 12% > 10%\nby: operator ops';
    const byPath = Object.fromEntries(received.map((r) => [r.path, r]));
    expect(byPath[`/bot${TOKEN}/sendMessage`]).toEqual({ path: `/bot${TOKEN}/sendMessage`, contentType: 'application/json', body: { chat_id: '-10042', text } });
    expect(byPath['/services/T000/B000/slack-secret']?.body).toEqual({ text });
    expect(byPath['/api/webhooks/1/discord-secret']?.body).toEqual({ content: text });
    expect(received).toHaveLength(3);
  });

  it('retries a 500 and succeeds, gives up on a 400 at once, and never logs the token or a webhook URL', async () => {
    script.set('/services/T000/B000/slack-secret', [500]);
    script.set('/api/webhooks/1/discord-secret', [400]);
    const deliveries = await alerter().send({ type: 'agent_restart_loop', agentId: 'alpha', restarts: 5, windowMinutes: 10 });
    expect(deliveries).toEqual([
      { channel: 'telegram', ok: true, attempts: 1 },
      { channel: 'slack', ok: true, attempts: 2 },
      { channel: 'discord', ok: false, attempts: 1, error: 'discord: HTTP 400: {"ok":false,"description":"try later"}' },
    ]);
    expect(received.filter((r) => r.path.includes('slack'))).toHaveLength(2);
    expect(received.filter((r) => r.path.includes('discord'))).toHaveLength(1);
    const logs = logLines.join('');
    expect(logs).toContain('alert delivery failed');
    for (const secret of [TOKEN, 'slack-secret', 'discord-secret', base]) expect(logs).not.toContain(secret);
  });

  it('times out a channel that never answers and reports an unreachable one, without its address', async () => {
    script.set(`/bot${TOKEN}/sendMessage`, ['hang', 'hang', 'hang']);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const channels = channelsFromEnv(
      parseEnv({
        ALERT_TELEGRAM_BOT_TOKEN: TOKEN,
        ALERT_TELEGRAM_CHAT_ID: '-10042',
        ALERT_TELEGRAM_API_BASE: base,
        ALERT_DISCORD_WEBHOOK_URL: `http://127.0.0.1:${deadPort}/api/webhooks/1/discord-secret`,
      }),
    );
    const deliveries = await new Alerter({ channels, log, attempts: 2, backoffMs: 10, timeoutMs: 150 }).send(killSwitchSet);
    expect(deliveries).toEqual([
      { channel: 'telegram', ok: false, attempts: 2, error: 'telegram: timed out' },
      { channel: 'discord', ok: false, attempts: 2, error: 'discord: network error (ECONNREFUSED)' },
    ]);
    const logs = logLines.join('');
    for (const secret of [TOKEN, 'discord-secret', String(deadPort)]) expect(logs).not.toContain(secret);
  });

  it('sends nothing when no channel is configured, and Telegram needs both token and chat id', async () => {
    expect(channelsFromEnv(parseEnv({}))).toEqual([]);
    expect(channelsFromEnv(parseEnv({ ALERT_TELEGRAM_BOT_TOKEN: TOKEN, ALERT_TELEGRAM_API_BASE: base }))).toEqual([]);
    const quiet = new Alerter({ channels: channelsFromEnv(parseEnv({})), log });
    expect(quiet.channelNames).toEqual([]);
    expect(await quiet.send(killSwitchSet)).toEqual([]);
    expect(received).toHaveLength(0);
  });
});
