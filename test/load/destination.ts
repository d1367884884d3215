/**
 * The load test's faulty destination (test/load/run.ts), on 127.0.0.1: it
 *   - fails `failureRate` of requests at random (500, 503, 429 with Retry-After: 1, or a dropped
 *     connection),
 *   - hangs `hangRate` of them past the Worker's delivery timeout, then answers 200 too late (the
 *     Worker must retry: a duplicate, not a loss),
 *   - refuses connections while `outage()` runs (its port closed).
 * Every other request is answered 200 and counted as delivered under its `webhook-id`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type Listening, listenOn } from "./harness.ts";

export interface FaultyDestination {
  stats: {
    requests: number;
    ok: number;
    failed: number;
    dropped: number;
    hung: number;
    refusedWindowRequests: number;
  };
  /** webhook-id → 2xx answers given in time. */
  delivered: Map<string, number>;
  /** Closes the port for `seconds` (connections refused), then opens it again. */
  outage: (seconds: number) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Starts the faulty destination on 127.0.0.1:`options.port`.
 *
 * @example const destination = await startFaulty({ port, failureRate: 0.3, hangRate: 0, hangMs: 0 });
 */
export async function startFaulty(options: {
  port: number;
  failureRate: number;
  hangRate: number;
  /** How long a hanging request waits before its late 200 (past the Worker's timeout). */
  hangMs: number;
}): Promise<FaultyDestination> {
  const stats = { requests: 0, ok: 0, failed: 0, dropped: 0, hung: 0, refusedWindowRequests: 0 };
  const delivered = new Map<string, number>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let down = false;

  function handle(req: IncomingMessage, res: ServerResponse) {
    req.resume();
    req.on("end", () => {
      stats.requests++;
      if (down) {
        stats.refusedWindowRequests++;
        req.socket.destroy();
        return;
      }
      const id = String(req.headers["webhook-id"] ?? "");
      const roll = Math.random();
      if (roll < options.hangRate) {
        stats.hung++;
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          if (!res.destroyed) res.writeHead(200).end("too late");
        }, options.hangMs);
        return;
      }
      if (roll < options.hangRate + options.failureRate) {
        stats.failed++;
        const kind = Math.floor(Math.random() * 4);
        if (kind === 0) {
          stats.dropped++;
          req.socket.destroy();
        } else if (kind === 1) res.writeHead(429, { "retry-after": "1" }).end("slow down");
        else res.writeHead(kind === 2 ? 500 : 503).end("failing on purpose");
        return;
      }
      stats.ok++;
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  }

  async function listen(): Promise<Listening> {
    const listening = await listenOn(handle, options.port);
    listening.server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    return listening;
  }

  let server = await listen();
  const closeServer = async () => {
    for (const res of hanging) res.destroy();
    for (const socket of sockets) socket.destroy();
    await server.close();
  };
  return {
    stats,
    delivered,
    async outage(seconds) {
      down = true;
      await closeServer();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      server = await listen();
      down = false;
    },
    close: closeServer,
  };
}
