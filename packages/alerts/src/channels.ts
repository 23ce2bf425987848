import type { Env } from '@floor/config';

/**
 * Where alerts go. A channel posts one text and throws `ChannelError` when it could not; it never puts its
 * token or webhook URL in an error, because errors get logged.
 */
export interface AlertChannel {
  readonly name: ChannelName;
  send(text: string, signal: AbortSignal): Promise<void>;
}

export type ChannelName = 'telegram' | 'slack' | 'discord';

/** A failed delivery, described without the secret part of the address. */
export class ChannelError extends Error {
  constructor(
    readonly channel: ChannelName,
    message: string,
    /** a timeout, network error, 429 or 5xx may succeed on a later attempt; another 4xx will not */
    readonly retryable: boolean,
  ) {
    super(`${channel}: ${message}`);
    this.name = 'ChannelError';
  }
}

// Message size limits of each service, in characters.
const TELEGRAM_MAX = 4096;
const DISCORD_MAX = 2000;
const SLACK_MAX = 39_000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function postJson(channel: ChannelName, url: string, body: unknown, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    // fetch's own errors can carry the request URL; only their kind is kept
    const kind = signal.aborted ? 'timed out' : `network error (${networkCode(err)})`;
    throw new ChannelError(channel, kind, true);
  }
  // drain the body so the connection is released; its text may help (Telegram explains 4xx), never echoes secrets
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const retryable = response.status === 429 || response.status >= 500;
  throw new ChannelError(channel, `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryable);
}

function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : 'fetch failed';
}

/** Telegram Bot API `sendMessage`: JSON `{ chat_id, text }`. */
export function telegramChannel(opts: { botToken: string; chatId: string; apiBase: string }): AlertChannel {
  const url = `${opts.apiBase.replace(/\/+$/, '')}/bot${opts.botToken}/sendMessage`;
  return {
    name: 'telegram',
    send: (text, signal) => postJson('telegram', url, { chat_id: opts.chatId, text: clip(text, TELEGRAM_MAX) }, signal),
  };
}

/** Slack incoming webhook: JSON `{ text }`. */
export function slackChannel(opts: { webhookUrl: string }): AlertChannel {
  return { name: 'slack', send: (text, signal) => postJson('slack', opts.webhookUrl, { text: clip(text, SLACK_MAX) }, signal) };
}

/** Discord webhook: JSON `{ content }`. */
export function discordChannel(opts: { webhookUrl: string }): AlertChannel {
  return {
    name: 'discord',
    send: (text, signal) => postJson('discord', opts.webhookUrl, { content: clip(text, DISCORD_MAX) }, signal),
  };
}

export type AlertEnv = Pick<
  Env,
  | 'ALERT_TELEGRAM_BOT_TOKEN'
  | 'ALERT_TELEGRAM_CHAT_ID'
  | 'ALERT_TELEGRAM_API_BASE'
  | 'ALERT_SLACK_WEBHOOK_URL'
  | 'ALERT_DISCORD_WEBHOOK_URL'
>;

/** Every channel the environment configures; none is required. Telegram needs both its token and its chat id. */
export function channelsFromEnv(env: AlertEnv): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.ALERT_TELEGRAM_BOT_TOKEN && env.ALERT_TELEGRAM_CHAT_ID) {
    channels.push(
      telegramChannel({ botToken: env.ALERT_TELEGRAM_BOT_TOKEN, chatId: env.ALERT_TELEGRAM_CHAT_ID, apiBase: env.ALERT_TELEGRAM_API_BASE }),
    );
  }
  if (env.ALERT_SLACK_WEBHOOK_URL) channels.push(slackChannel({ webhookUrl: env.ALERT_SLACK_WEBHOOK_URL }));
  if (env.ALERT_DISCORD_WEBHOOK_URL) channels.push(discordChannel({ webhookUrl: env.ALERT_DISCORD_WEBHOOK_URL }));
  return channels;
}
