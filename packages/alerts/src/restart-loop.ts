import type { AlertEvent } from './events.js';

/**
 * Turns individual restarts into one `agent_restart_loop` alert: when an agent restarts `maxRestarts` times
 * within `windowMs`, `record` returns the event once; it fires again only after the window has passed with
 * fewer restarts, so a crash-looping agent produces one alert per episode, not one per restart.
 */
export class RestartLoopDetector {
  readonly #restartsMs = new Map<string, number[]>();
  readonly #alerted = new Set<string>();

  constructor(private readonly opts: { readonly maxRestarts: number; readonly windowMs: number }) {}

  record(agentId: string, atMs: number): Extract<AlertEvent, { type: 'agent_restart_loop' }> | null {
    const since = atMs - this.opts.windowMs;
    const recent = [...(this.#restartsMs.get(agentId) ?? []).filter((t) => t > since), atMs];
    this.#restartsMs.set(agentId, recent);
    if (recent.length < this.opts.maxRestarts) {
      this.#alerted.delete(agentId);
      return null;
    }
    if (this.#alerted.has(agentId)) return null;
    this.#alerted.add(agentId);
    return { type: 'agent_restart_loop', agentId, restarts: recent.length, windowMinutes: this.opts.windowMs / 60_000 };
  }
}
