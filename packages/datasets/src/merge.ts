import type { MarketEvent } from '@floor/domain';

/**
 * Merges time-ordered event streams (one per market) into one time-ordered stream, lazily. Ties go to
 * the lower lane index and each lane keeps its own order, so the result is deterministic. A binary heap
 * keeps it O(log lanes) per event: an import may hold thousands of markets.
 */
export function* mergeByTime(lanes: ReadonlyArray<Iterator<MarketEvent>>): Generator<MarketEvent> {
  const heap: Array<{ readonly lane: number; head: MarketEvent }> = [];
  const before = (a: number, b: number): boolean => {
    const x = heap[a];
    const y = heap[b];
    if (!x || !y) return false;
    return x.head.tsEventMs !== y.head.tsEventMs ? x.head.tsEventMs < y.head.tsEventMs : x.lane < y.lane;
  };
  const swap = (a: number, b: number) => {
    const tmp = heap[a] as (typeof heap)[number];
    heap[a] = heap[b] as (typeof heap)[number];
    heap[b] = tmp;
  };
  const up = (i: number) => {
    for (let child = i; child > 0; ) {
      const parent = (child - 1) >> 1;
      if (!before(child, parent)) return;
      swap(child, parent);
      child = parent;
    }
  };
  const down = (i: number) => {
    for (let parent = i; ; ) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let best = parent;
      if (left < heap.length && before(left, best)) best = left;
      if (right < heap.length && before(right, best)) best = right;
      if (best === parent) return;
      swap(parent, best);
      parent = best;
    }
  };

  lanes.forEach((events, lane) => {
    const first = events.next();
    if (!first.done) {
      heap.push({ lane, head: first.value });
      up(heap.length - 1);
    }
  });
  while (heap.length > 0) {
    const top = heap[0] as (typeof heap)[number];
    yield top.head;
    const next = (lanes[top.lane] as Iterator<MarketEvent>).next();
    if (next.done) {
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length === 0) break;
      heap[0] = last;
    } else {
      top.head = next.value;
    }
    down(0);
  }
}
