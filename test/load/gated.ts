/**
 * The load test's two gated routes (src/coordinate), each with its own healthy destination and
 * taking only Hoory events (the load test posts a share of its events as Hoory):
 *   - `held`: paused before the first webhook and resumed only after the run: it must receive
 *     nothing while paused, then each of its events, none lost, none dead-lettered.
 *   - `slow`: `maxPerSecond` LOAD_RATE (default 50): no 1-second window may hold more arrivals.
 */
import { type Listening, listenOn } from "./harness.ts";

export const HELD = "held";
export const SLOW = "slow";
export const RATE = Number(process.env.LOAD_RATE ?? 50);

export interface GatedDestination extends Listening {
  /** webhook-id → number of 2xx answers. */
  delivered: Map<string, number>;
  /** Arrival times (epoch ms), in order. */
  arrivals: number[];
}

/**
 * A healthy destination for one gated route, on 127.0.0.1 (a free port).
 *
 * @example const held = await startGated(); held.url("/held");
 */
export async function startGated(): Promise<GatedDestination> {
  const delivered = new Map<string, number>();
  const arrivals: number[] = [];
  const listening = await listenOn((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      res.writeHead(200).end("ok");
    });
  });
  return { ...listening, delivered, arrivals };
}

/**
 * The two gated routes, for the ROUTES var (setRoutes).
 *
 * @example setRoutes(gatedRoutes(held, slow));
 */
export function gatedRoutes(held: GatedDestination, slow: GatedDestination): unknown[] {
  return [
    { name: HELD, sources: ["hoory"], target: "dotted", url: held.url("/held") },
    {
      name: SLOW,
      sources: ["hoory"],
      target: "dotted",
      url: slow.url("/slow"),
      maxPerSecond: RATE,
    },
  ];
}

/**
 * The most arrivals within any window of `windowMs` (sliding, from each arrival).
 *
 * @example if (maxInWindow(slow.arrivals) > RATE) fail();
 */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
