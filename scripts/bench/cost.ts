/**
 * `npm run bench -- cost` (alone), and the "Cost per event" section of `npm run bench`: counts,
 * not timings. Runs test/store/cost.test.ts in the Workers runtime (the shards' SQL counted by
 * the cursors' rowsWritten/rowsRead, today's D1 store by its `meta`), then turns the counts and
 * Cloudflare's published limits and prices into ceilings and dollars (docs/store.md), and
 * measures how 100,000 keys spread over the shards.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SHARDS, shardOf } from "../../src/store/shard.ts";
import { callsSection, sumCalls } from "./cost-calls.ts";
import { root } from "./fixtures.ts";

export interface Cost {
  scenario: string;
  failedFirst: boolean;
  statements: number;
  rowsWritten: number;
  /** Of `rowsWritten`, the route gates' key-value rows (measured in the real flow). */
  gateRows?: number;
  rowsRead: number;
  doRequests?: number;
  queueOps?: number;
  subrequests?: number;
  d1Statements?: number;
  /** Calls the real Worker made for the event, by `<binding>.<method>` (test/store/worker-calls.ts). */
  calls?: Record<string, number>;
  bytes?: number;
  pruneRows?: number;
}
/** Calls per event in a full batch (test/store/worker-calls.ts `measureBatch`). */
export interface Batched {
  scenario: string;
  doRequests: number;
  queueOps: number;
  gateRows: number;
}
interface Measured {
  store: "shards" | "d1";
  payloadBytes: number;
  costs: Cost[];
  perIsolate?: Record<string, Record<string, number>>;
  batch?: Batched[];
}
export interface CostResult {
  errors: string[];
  shards: Cost[];
  d1: Cost[];
  payloadBytes: number;
  /** Calls an isolate makes once (or periodically), by scenario. */
  perIsolate: Record<string, Record<string, number>>;
  batch: Batched[];
}

/** Published prices and limits (cited in the section). */
const PRICE = {
  rowWritten: 1.0 / 1e6, // Durable Objects SQLite and D1, Paid
  rowRead: 0.001 / 1e6,
  doRequest: 0.15 / 1e6,
  queueOp: 0.4 / 1e6,
  workerRequest: 0.3 / 1e6,
  doStorageGbMonth: 0.2,
};
const LIMIT = {
  objectBytes: 10e9,
  queueMessagesPerSecond: 5000,
  objectRequestsPerSecond: 1000,
  freeRowsWrittenPerDay: 100_000,
  freeDoRequestsPerDay: 100_000,
  freeQueueOpsPerDay: 10_000,
};
const RETENTION_SECONDS = 7 * 86_400;
/** The D1 store's bytes per plain event as counted in issue 22 (payload 1,091 bytes). */
const D1_BYTES = 2328;

export const SOURCES = [
  "[Durable Objects limits](https://developers.cloudflare.com/durable-objects/platform/limits/): 10 GB per object, unlimited objects",
  "[Durable Objects pricing](https://developers.cloudflare.com/durable-objects/platform/pricing/): $0.15 per million requests; SQLite rows written $1.00 and read $0.001 per million; stored data $0.20 per GB-month; Free: 100,000 requests and 100,000 rows written a day",
  "[Durable Objects error handling](https://developers.cloudflare.com/durable-objects/best-practices/error-handling/): an object answers `overloaded` past what it can serve (about 1,000 simple requests a second)",
  "[Queues limits](https://developers.cloudflare.com/queues/platform/limits/): 5,000 messages a second per queue",
  "[Queues pricing](https://developers.cloudflare.com/queues/platform/pricing/): $0.40 per million operations, 3 per message (write, read, delete) and a read per retry; Free: 10,000 a day",
  "[D1 pricing](https://developers.cloudflare.com/d1/platform/pricing/) and [limits](https://developers.cloudflare.com/d1/platform/limits/): rows written $1.00 per million; 10 GB per database",
  "[Workers pricing](https://developers.cloudflare.com/workers/platform/pricing/): $0.30 per million requests",
];

/** Runs the cost test file in workerd and reads the counts back from its JSON report. */
export function costBench(): CostResult {
  const dir = mkdtempSync(join(tmpdir(), "bench-cost-"));
  const result: CostResult = {
    errors: [],
    shards: [],
    d1: [],
    payloadBytes: 0,
    perIsolate: {},
    batch: [],
  };
  try {
    const outputFile = join(dir, "report.json");
    const child = spawnSync(
      "npx",
      [
        "vitest",
        "run",
        "--project",
        "workers",
        "test/store/cost.test.ts",
        "--reporter=json",
        `--outputFile=${outputFile}`,
      ],
      { cwd: root, encoding: "utf8", timeout: 10 * 60_000, maxBuffer: 64 * 2 ** 20 },
    );
    let report: {
      testResults?: Array<{
        assertionResults?: Array<{
          title: string;
          status: string;
          failureMessages?: string[];
          meta?: { cost?: Measured };
        }>;
      }>;
    };
    try {
      report = JSON.parse(readFileSync(outputFile, "utf8"));
    } catch {
      result.errors.push(`vitest gave no report: ${`${child.stderr}`.trim().slice(-1000)}`);
      return result;
    }
    for (const file of report.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (test.status !== "passed")
          result.errors.push(
            `${test.title}: ${(test.failureMessages ?? []).join("\n").slice(0, 500)}`,
          );
        const meta = test.meta?.cost;
        if (!meta) continue;
        result.payloadBytes = meta.payloadBytes;
        (meta.store === "shards" ? result.shards : result.d1).push(...meta.costs);
        Object.assign(result.perIsolate, meta.perIsolate ?? {});
        result.batch.push(...(meta.batch ?? []));
      }
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const money = (x: number) => `$${x.toFixed(2)}`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");

/** Dollars per million events on the Paid plan, from one event's counts. */
function perMillion(c: Cost, messages: number, bytes: number): number {
  const workerRequests = 1 + messages / 10; // the request, and consumer invocations of 10 messages
  const storedGbMonths = ((bytes * 1e6) / 1e9) * (RETENTION_SECONDS / (30 * 86_400));
  return (
    1e6 *
      (c.rowsWritten * PRICE.rowWritten +
        c.rowsRead * PRICE.rowRead +
        (c.doRequests ?? 0) * PRICE.doRequest +
        (c.queueOps ?? 3 * messages) * PRICE.queueOp +
        workerRequests * PRICE.workerRequest) +
    storedGbMonths * PRICE.doStorageGbMonth
  );
}

/** How 100,000 keys spread over the default shard count. */
export function keySpread(shards = DEFAULT_SHARDS, keys = 100_000) {
  const counts = new Array<number>(shards).fill(0);
  for (let i = 0; i < keys; i++) {
    const shard = shardOf(`chatwoot:${i.toString(16).padStart(64, "0")}`, shards);
    counts[shard] = (counts[shard] ?? 0) + 1;
  }
  const mean = keys / shards;
  const sd = Math.sqrt(counts.reduce((s, n) => s + (n - mean) ** 2, 0) / shards);
  return { shards, keys, mean, min: Math.min(...counts), max: Math.max(...counts), sd };
}

/** Queue messages per event: one per route. */
const messagesOf = (c: Cost) => (c.scenario === "three routes" ? 3 : 1);

/** `c` with the counts of an event in a full batch of 10 (`measureBatch`), if measured. */
function inBatch(result: CostResult, c: Cost): Cost | undefined {
  const b = result.batch.find((each) => each.scenario === c.scenario);
  if (!b || c.failedFirst) return undefined;
  const rowsWritten = c.rowsWritten - (c.gateRows ?? 0) + b.gateRows;
  return {
    ...c,
    rowsWritten,
    gateRows: b.gateRows,
    doRequests: b.doRequests,
    queueOps: b.queueOps,
  };
}

/** The markdown section. */
export function costSection(result: CostResult): string[] {
  const out: string[] = ["## Cost per event (counts, not timings)", ""];
  for (const error of result.errors) out.push(`> not measured: ${error.split("\n")[0]}`, "");
  out.push(
    `Counted in workerd by test/store/cost.test.ts (\`npm run bench -- cost\` runs this section alone): Chatwoot \`message-created-incoming\`, ${int(result.payloadBytes)}-byte payload, request to prune. Rows are the storage API's own counters (Durable Object SQL cursors' \`rowsWritten\`/\`rowsRead\`, D1 \`meta\`); the shard rows include the listing index's one row per event (docs/store.md) and the rows the route gates write in the real flow (key-value values, once per route per batch: the report's meter, and its health and circuit when they change; a rate limit's next slot, per attempt). DO requests, queue operations and subrequests are measured: the event is POSTed to the real Worker and its messages consumed by the real consumer, each alone in its batch, with every Durable Object stub, the queue and D1 counting the calls made through them (test/store/worker-calls.ts; below). Queue operations: messages written, read (a retry reads again) and deleted. Subrequests: destination POSTs and calls to Durable Objects, the queue and D1.`,
    "",
    "| store | scenario | first attempt | statements | rows written | rows read | DO requests | queue ops | subrequests | bytes stored | $ per million (Paid) |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const c of result.shards) {
    const bytes = c.bytes ?? 0;
    out.push(
      `| shards | ${c.scenario} | ${c.failedFirst ? "failed" : "ok"} | ${c.statements} | ${c.rowsWritten} | ${c.rowsRead} | ${c.doRequests} | ${c.queueOps} | ${c.subrequests} | ${int(bytes)} | ${money(perMillion(c, messagesOf(c), bytes))} |`,
    );
  }
  for (const c of result.d1) {
    const bytes = D1_BYTES + (messagesOf(c) - 1) * 690;
    // The same queue flow as the shards': their measured operations.
    const queueOps = result.shards.find(
      (each) => each.scenario === c.scenario && each.failedFirst === c.failedFirst,
    )?.queueOps;
    out.push(
      `| D1 (today) | ${c.scenario} | ${c.failedFirst ? "failed" : "ok"} | ${c.statements} | ${c.rowsWritten} | ${c.rowsRead} | 0 | ${queueOps} | - | ${int(bytes)}* | ${money(perMillion({ ...c, queueOps }, messagesOf(c), bytes))} |`,
    );
  }
  out.push(
    "",
    "\\* D1 bytes as counted in issue 22 (D1 reports size in pages, too coarse for one event).",
    "",
    ...callsSection(
      result,
      (c) => money(perMillion(c, messagesOf(c), c.bytes ?? 0)),
      (c) => inBatch(result, c),
    ),
  );

  const plain = result.shards.find((c) => c.scenario === "plain" && !c.failedFirst);
  const three = result.shards.find((c) => c.scenario === "three routes" && !c.failedFirst);
  if (plain && three) {
    const bytes = plain.bytes ?? 1;
    const perShard = LIMIT.objectBytes / (bytes * RETENTION_SECONDS);
    const sustained = DEFAULT_SHARDS * perShard;
    const burstQueue = LIMIT.queueMessagesPerSecond / 1;
    const shardCalls = sumCalls(plain, (key) => key.startsWith("EVENT_STORE.")) || 1;
    const burstShards = (DEFAULT_SHARDS * LIMIT.objectRequestsPerSecond) / shardCalls;
    const free = Math.min(
      LIMIT.freeRowsWrittenPerDay / plain.rowsWritten,
      LIMIT.freeDoRequestsPerDay / (plain.doRequests ?? 1),
      LIMIT.freeQueueOpsPerDay / (plain.queueOps ?? 3),
    );
    const freeBy =
      free === LIMIT.freeQueueOpsPerDay / (plain.queueOps ?? 3)
        ? "queue operations"
        : free === LIMIT.freeRowsWrittenPerDay / plain.rowsWritten
          ? "rows written"
          : "DO requests";
    const batchPlain = inBatch(result, plain);
    const batchThree = inBatch(result, three);
    const dollarsVerdict = (c: Cost, target: number) => {
      const dollars = perMillion(c, messagesOf(c), c.bytes ?? 0);
      return `${money(dollars)} (target <= $${target}: **${dollars <= target ? "met" : "missed"}**)`;
    };
    const rowsVerdict = (c: Cost, target: number) => {
      const gate = c.gateRows ?? 0;
      const rows = Number(c.rowsWritten.toFixed(1));
      return `${rows} (target <= ${target}: **${rows <= target ? "met" : "missed"}**; the route gates' ${Number(gate.toFixed(1))} included)`;
    };
    out.push(
      "### Ceilings and cost, from the counts",
      "",
      `- **Sustained** (storage at 7-day retention): one shard holds 10 GB / (${int(bytes)} B x 604,800 s) = ${perShard.toFixed(1)} events/s; with the default ${DEFAULT_SHARDS} shards **${int(sustained)} events/s** (target >= 1,000: **${sustained >= 1000 ? "met" : "missed"}**); three routes: ${int((DEFAULT_SHARDS * LIMIT.objectBytes) / ((three.bytes ?? 1) * RETENTION_SECONDS))} events/s. Limited by storage per shard; N scales it linearly.`,
      `- **Bursts**: the queue takes ${int(LIMIT.queueMessagesPerSecond)} messages/s and a plain event needs 1: **${int(burstQueue)} events/s** (target >= 5,000: **${burstQueue >= 5000 ? "met" : "missed"}**); three routes ${int(LIMIT.queueMessagesPerSecond / 3)}/s. The shards would take ~${int(burstShards)} events/s (${shardCalls} calls to the event's shard per event): **the queue is the limiting component**.`,
      `- **Paid plan**, an event alone in its batch (the table): ${dollarsVerdict(plain, 12)} per million plain events, ${dollarsVerdict(three, 25)} with three routes. In full batches of 10: ${batchPlain ? dollarsVerdict(batchPlain, 12) : "not measured"} and ${batchThree ? dollarsVerdict(batchThree, 25) : "not measured"}. A batch takes up to 10 messages or waits 1 s (wrangler.toml): a million events a month (0.4 a second) come mostly alone, full batches need about 10 events a second.`,
      `- **Free plan**: ${int(free)} plain events a day, limited by ${freeBy}.`,
      `- **Rows written per plain event**, alone in its batch: ${rowsVerdict(plain, 10)}; three routes ${rowsVerdict(three, 20)}. In full batches of 10: ${batchPlain ? rowsVerdict(batchPlain, 10) : "not measured"}; three routes ${batchThree ? rowsVerdict(batchThree, 20) : "not measured"}. **Bytes**: payload + ${int(bytes - result.payloadBytes)} (<= payload + 600: **${bytes - result.payloadBytes <= 600 ? "met" : "missed"}**).`,
      "",
    );
  }
  const spread = keySpread();
  out.push(
    `### Key spread`,
    "",
    `${int(spread.keys)} keys over ${spread.shards} shards (jump consistent hash of FNV-1a): mean ${spread.mean.toFixed(1)}, min ${spread.min}, max ${spread.max}, standard deviation ${spread.sd.toFixed(1)} (${((spread.sd / spread.mean) * 100).toFixed(1)}% of the mean; a uniform random spread gives ${((Math.sqrt(spread.mean) / spread.mean) * 100).toFixed(1)}%).`,
    "",
    "Sources:",
    "",
    ...SOURCES.map((s) => `- ${s}`),
    "",
  );
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${costSection(costBench()).join("\n")}\n`);
}
