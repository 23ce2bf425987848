/**
 * A FIFO between callback-driven producers (sockets, timers) and one `for await` consumer. Unbounded: the
 * consumer is the collector, which publishes each event to Redis as fast as Redis takes it, and holding
 * events beats dropping market data; `size` is there for anyone who wants to watch it.
 */
export class EventQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  get size(): number {
    return this.#items.length;
  }

  /** Yields items as they come until `signal` aborts. */
  async *drain(signal: AbortSignal): AsyncGenerator<T> {
    const onAbort = () => this.#wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const item = this.#items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
