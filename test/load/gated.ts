/**
 * The load test's two gated routes (src/coordinate), each with its own healthy destination and
 * taking only Hoory events (the load test posts a share of its events as Hoory):
 *   - `held`: paused before the first webhook and resumed only after the run: it must receive
 *     nothing while paused, then each of its events, none lost, none dead-lettered.
 *   - `slow`: `maxPerSecond` LOAD_RATE (default 50): no 1-second window may hold more arrivals.
 */
import { createServer, type Server } from "node:http";

export const HELD = "held";
export const SLOW = "slow";
export const RATE = Number(process.env.LOAD_RATE ?? 50);

export interface GatedDestination {
  server: Server;
  port: number;
  /** webhook-id → number of 2xx answers. */
  delivered: Map<string, number>;
  /** Arrival times (epoch ms), in order. */
  arrivals: number[];
}

export async function startGated(host: string): Promise<GatedDestination> {
  const delivered = new Map<string, number>();
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as { port: number }).port, delivered, arrivals };
}

/** The ROUTES var for the two gated routes. */
export function gatedRoutes(host: string, held: GatedDestination, slow: GatedDestination) {
  return JSON.stringify([
    { name: HELD, sources: ["hoory"], target: "dotted", url: `http://${host}:${held.port}/held` },
    {
      name: SLOW,
      sources: ["hoory"],
      target: "dotted",
      url: `http://${host}:${slow.port}/slow`,
      maxPerSecond: RATE,
    },
  ]);
}

/** The most arrivals within any window of `windowMs` (sliding, from each arrival). */
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
