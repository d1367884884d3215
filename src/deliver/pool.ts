/**
 * The consumer's lanes: a batch's deliveries run concurrently, at most `limit` at a time, so a
 * destination that is slow to answer holds one lane while the others go on (`runLanes` ends with
 * the slowest; the consumer need not wait for it, see detach.ts). Workers allow 6 simultaneous
 * open connections per invocation (fetch and queue sends count; further ones wait for a free
 * one), hence the default of 6 lanes (`DELIVERY_CONCURRENCY`).
 */

/** One piece of work: its key (two with the same key never run at once) and what it does. */
export interface Work {
  key: string;
  run: () => Promise<void>;
}

/**
 * Runs work taken from `next` on `limit` lanes. A lane asks `next` again each time it is free,
 * handing it the keys running now: `next` returns work whose key is not among them, or
 * undefined (then the lane ends; a lane still running asks again when it is done, so work kept
 * back for a busy key is taken by the lane that held the key). Resolves when every lane ended;
 * a `run` that throws ends nothing but its own work (the caller catches inside `run`).
 *
 * @example await runLanes(6, (busy) => queue.find((w) => !busy.has(w.key)));
 */
export async function runLanes(
  limit: number,
  next: (busy: ReadonlySet<string>) => Work | undefined,
): Promise<void> {
  const busy = new Set<string>();
  const lane = async () => {
    for (let work = next(busy); work; work = next(busy)) {
      busy.add(work.key);
      try {
        await work.run();
      } finally {
        busy.delete(work.key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
}

/**
 * Takes from `items` the first whose key is not busy (removing it), or undefined.
 *
 * @example const work = takeFree(pending, busy, (m) => `${m.body.route}\n${m.body.event}`);
 */
export function takeFree<T>(
  items: T[],
  busy: ReadonlySet<string>,
  keyOf: (item: T) => string,
): T | undefined {
  const index = items.findIndex((item) => !busy.has(keyOf(item)));
  return index < 0 ? undefined : items.splice(index, 1)[0];
}
