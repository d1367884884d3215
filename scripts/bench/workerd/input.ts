/**
 * What run.ts hands to the workerd bench (scripts/bench/workerd), and what it gets back. No
 * `declare module "vitest"` augmentation here: scripts/ is type-checked together with the root
 * vitest.config.ts, whose `inject("destPort")` relies on test/delivery's augmentation.
 */

export interface WorkerdInput {
  quick: boolean;
  /** The Support Hunt batch body, exactly as the Node section builds it (supporthuntBatch). */
  batch: string;
  /** The floor pairs (scripts/bench/floor.ts) with their fixture bodies. */
  floors: Array<{ source: string; target: string; fixture: string; body: unknown }>;
}

/** Raw samples of one test, in `task.meta.workerd` (bench.test.ts). */
export type WorkerdMeta =
  | {
      kind: "request";
      events: number;
      bytes: number;
      distinctKeys: number;
      /** Runs per sample: each sample is a mean over this many runs (the clock ticks in ms). */
      perSample: number;
      /** Runs per sample of each part. */
      partRuns: Record<"parse" | "validate" | "keys" | "serialise", number>;
      /** ms per batch. */
      total: number[];
      parse: number[];
      validate: number[];
      keys: number[];
      serialise: number[];
    }
  | {
      kind: "route";
      /** ms per POST. */
      wall: number[];
      statuses: Record<string, number>;
      accepted: number;
      events: number;
    }
  | {
      kind: "floors";
      pairs: Array<{
        source: string;
        target: string;
        fixture: string;
        enginePer: number;
        floorPer: number;
        /** µs per call. */
        engine: number[];
        floor: number[];
      }>;
    }
  | {
      kind: "gate";
      /** µs per delivery, each sample a batch of 100 (plain: one Durable Object call per batch). */
      plain: number[];
      /** µs per delivery with maxPerSecond (one Durable Object call per delivery). */
      limited: number[];
    };
