import type { MarketEvent } from '@floor/domain';

/**
 * Where market data comes from. The collector only ever sees this interface: a replayed dataset, the seeded
 * simulator, and later the live Polymarket WebSocket and the sandbox venue all plug in behind it.
 */
export interface MarketSource {
  /**
   * What this source plays, e.g. `replay:data/demo.jsonl.gz` or `simulator:seed=42`. A saved cursor is only
   * handed back to a source of the same name, so switching datasets never resumes in the middle of another.
   */
  readonly name: string;
  /** Checks that the source can start (the dataset exists and its header is valid), so a process fails at boot. */
  open?(): Promise<void>;
  /**
   * The events in order. A finite source ends; an endless one does not. Stops promptly, without throwing, when
   * `signal` aborts, including in the middle of a pacing pause.
   */
  events(signal?: AbortSignal): AsyncIterable<MarketEvent>;
  /** Where to resume after the last event yielded (plain JSON), for a source that can resume. */
  cursor?(): unknown;
  /**
   * Continue after a cursor saved from a source of the same name; call before `events()`. Returns false, and
   * starts from the beginning, when the cursor does not fit this source.
   */
  resume?(cursor: unknown): boolean;
}
