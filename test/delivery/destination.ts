/**
 * vitest globalSetup (runs in Node): a local HTTP destination for delivery tests. Its port is
 * given to the Worker as the `TEST_DESTINATION` binding (vitest.config.ts).
 *
 *   POST /d/<key>/<script>   answers by script, one comma-separated step per request to that
 *                            path (the last step repeats): a status (`503`), `429ra2` (429 with
 *                            Retry-After: 2), `200after800` (200 after 800 ms), `close` (drops the
 *                            connection), `hang` (never answers)
 *                            `?match=<text>&answer=<status>`: a request whose body contains
 *                            <text> gets <status> instead of its step (no step is used up)
 *   GET  /received/<key>     every request recorded for <key>: [{path, headers, body, at, status}]
 *                            (`at`: when it arrived, epoch ms; `status`: the answer, 0 for none)
 *                            `big`: 500 with a 100 MB body, streamed as fast as the Worker reads;
 *                            `trickle`: 500, then one byte every 200 ms (at most 5 minutes). Both
 *                            record `sent` (body bytes written) and `ended` (the Worker hung up,
 *                            or the body was all sent); `bigheaders`: 500 with 1 MB of headers
 *   POST /snippet/<name>, GET /snippets, GET /secret/<tool>   the docs' verify snippets, secret tools (verify-snippets.ts)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { readBody } from "../load/harness.ts";
import { makeSecret, runSnippet, snippetNames } from "./verify-snippets.ts";

interface Recorded {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
  status: number;
  /** `big` and `trickle`: body bytes written so far, and whether the answer is over. */
  sent?: number;
  ended?: boolean;
}

declare module "vitest" {
  export interface ProvidedContext {
    destPort: number;
  }
}

export default async function setup(project: TestProject) {
  const received = new Map<string, Recorded[]>();
  const counts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? "/";
    const parts = path.split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "received" && parts[1]) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(received.get(parts[1]) ?? []));
      return;
    }
    const answer = (work: Promise<unknown>) =>
      work.then(
        (result) =>
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result)),
        (error) => res.writeHead(500).end(String(error)),
      );
    if (req.method === "POST" && parts[0] === "snippet" && parts[1]) {
      answer(runSnippet(parts[1], JSON.parse(body)));
      return;
    }
    if (req.method === "GET" && parts[0] === "snippets") {
      answer(snippetNames());
      return;
    }
    if (req.method === "GET" && parts[0] === "secret" && parts[1]) {
      answer(makeSecret(parts[1]));
      return;
    }
    if (parts[0] !== "d" || !parts[1]) {
      res.writeHead(404).end();
      return;
    }
    const key = parts[1];
    const url = new URL(path, "http://destination");
    const match = url.searchParams.get("match");
    let step: string;
    let n = counts.get(url.pathname) ?? 0;
    if (match && body.includes(match)) step = url.searchParams.get("answer") ?? "503";
    else {
      n += 1;
      counts.set(url.pathname, n);
      const steps = (url.pathname.split("/")[3] ?? "200").split(",");
      step = steps[Math.min(n, steps.length) - 1] ?? "200";
    }
    const [, code = "0", retryAfter, after] =
      step.match(/^(\d{3})(?:ra(\d+))?(?:after(\d+))?$/) ?? [];
    received.set(key, [
      ...(received.get(key) ?? []),
      { path, headers: req.headers, body, at: Date.now(), status: Number(code) },
    ]);
    if (step === "close") {
      req.socket.destroy();
      return;
    }
    if (step === "hang") {
      hanging.add(res);
      return;
    }
    if (step === "bigheaders") {
      // 64 headers of 16 KB each (1 MB): more than any HTTP client takes.
      const headers = Object.fromEntries(
        Array.from({ length: 64 }, (_, i) => [`x-big-${i}`, "x".repeat(16 * 1024)]),
      );
      res.writeHead(500, headers).end("big headers");
      return;
    }
    const record = received.get(key)?.at(-1);
    if ((step === "big" || step === "trickle") && record) {
      record.status = 500;
      stream(res, record, step);
      return;
    }
    const reply = () => {
      res.writeHead(Number(code), {
        "content-type": "text/plain",
        ...(retryAfter ? { "retry-after": retryAfter } : {}),
      });
      res.end(`step ${n}: ${code}`);
    };
    if (after) setTimeout(reply, Number(after));
    else reply();
  });
  /** A body the Worker must not read whole: 100 MB as fast as it reads, or a byte every 200 ms. */
  function stream(res: ServerResponse, record: Recorded, step: "big" | "trickle") {
    record.sent = 0;
    record.ended = false;
    const end = () => {
      record.ended = true;
      clearInterval(timer);
    };
    res.on("close", end);
    res.writeHead(500, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(64 * 1024, "x");
    let timer: ReturnType<typeof setInterval> | undefined;
    if (step === "trickle") {
      let ticks = 0;
      timer = setInterval(() => {
        if (++ticks > 1500) return res.end();
        res.write("x");
        record.sent = (record.sent ?? 0) + 1;
      }, 200);
      return;
    }
    const total = 100 * 1024 * 1024;
    const pump = () => {
      while (!record.ended && (record.sent ?? 0) < total) {
        record.sent = (record.sent ?? 0) + chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (!record.ended) res.end();
    };
    pump();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("destPort", (server.address() as AddressInfo).port);

  return async () => {
    for (const res of hanging) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}
