import type { Logger } from 'pino';
import { ChannelError, type AlertChannel, type ChannelName } from './channels.js';
import { AlertEvent, formatAlert } from './events.js';

export interface AlerterOptions {
  readonly channels: readonly AlertChannel[];
  readonly log?: Logger;
  /** tries per channel, the first included (default 3) */
  readonly attempts?: number;
  /** per try (default 5 s) */
  readonly timeoutMs?: number;
  /** wait before retry n is n × backoffMs (default 500 ms) */
  readonly backoffMs?: number;
}

/** How one channel fared with one alert. */
export interface AlertDelivery {
  readonly channel: ChannelName;
  readonly ok: boolean;
  readonly attempts: number;
  /** the last error, without secrets */
  readonly error?: string;
}

/**
 * Sends alert events to every configured channel, in parallel, each with retries and a per-try timeout.
 * `send` never throws and never rejects: alerting must not take down the process that has something to report,
 * so a failure is logged (channel name and status only) and returned.
 */
export class Alerter {
  readonly #channels: readonly AlertChannel[];
  readonly #log: Logger | undefined;
  readonly #attempts: number;
  readonly #timeoutMs: number;
  readonly #backoffMs: number;

  constructor(opts: AlerterOptions) {
    this.#channels = opts.channels;
    this.#log = opts.log;
    this.#attempts = Math.max(1, opts.attempts ?? 3);
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#backoffMs = opts.backoffMs ?? 500;
  }

  /** The configured channels' names (for a startup log line: names only, never addresses). */
  get channelNames(): ChannelName[] {
    return this.#channels.map((c) => c.name);
  }

  async send(event: AlertEvent): Promise<AlertDelivery[]> {
    if (this.#channels.length === 0) return [];
    let text: string;
    try {
      text = formatAlert(AlertEvent.parse(event)).text;
    } catch (err) {
      this.#log?.error({ err, alertType: (event as { type?: unknown }).type }, 'alert event is invalid; not sent');
      return this.#channels.map((c) => ({ channel: c.name, ok: false, attempts: 0, error: 'invalid alert event' }));
    }
    return Promise.all(this.#channels.map((channel) => this.#deliver(channel, event.type, text)));
  }

  async #deliver(channel: AlertChannel, alertType: AlertEvent['type'], text: string): Promise<AlertDelivery> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.#attempts; attempt += 1) {
      try {
        await channel.send(text, AbortSignal.timeout(this.#timeoutMs));
        if (attempt > 1) this.#log?.info({ channel: channel.name, alertType, attempt }, 'alert delivered after retry');
        return { channel: channel.name, ok: true, attempts: attempt };
      } catch (err) {
        // a channel should only throw ChannelError; anything else is reported by its name alone, in case its
        // message quotes the address
        const failure = err instanceof ChannelError ? err : new ChannelError(channel.name, 'unexpected error', true);
        lastError = failure.message;
        const retrying = failure.retryable && attempt < this.#attempts;
        this.#log?.warn({ channel: channel.name, alertType, attempt, error: failure.message, retrying }, 'alert delivery failed');
        if (!retrying) return { channel: channel.name, ok: false, attempts: attempt, error: lastError };
        await new Promise((resolve) => setTimeout(resolve, this.#backoffMs * attempt));
      }
    }
    return { channel: channel.name, ok: false, attempts: this.#attempts, error: lastError };
  }
}
