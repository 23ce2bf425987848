/**
 * A single-consumer async queue: producers `push`, one `for await` drains it, `close` ends the
 * iteration once everything pushed before it was taken. It is how the WebSocket callbacks feed
 * `writeDataset`, which pulls events from an async iterable.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #wake: (() => void) | null = null;

  push(...items: readonly T[]): void {
    if (this.#closed) throw new Error('push after close');
    if (items.length === 0) return;
    this.#items.push(...items);
    this.#wakeConsumer();
  }

  close(): void {
    this.#closed = true;
    this.#wakeConsumer();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        const batch = this.#items;
        this.#items = [];
        yield* batch;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeConsumer(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
