/**
 * The "Calls per event, measured" part of the cost section (scripts/bench/cost.ts): the calls the
 * real Worker made for one event (test/store/worker-calls.ts), by object and method; those made
 * once per isolate; and what a full batch of 10 messages saves.
 */
import type { Cost, CostResult } from "./cost.ts";

const NAMES: Record<string, string> = {
  EVENT_STORE: "EventStore",
  EVENT_INDEX: "EventIndex",
  ROUTE_GATES: "RouteGate",
  ORDER_LINES: "ConversationLines",
};
/** Why a call is made once per isolate rather than per event. */
const ONCE: Record<string, string> = {
  "EVENT_STORE.upgrade":
    "the legacy shard's import asked once per isolate (src/store/legacy-worker.ts)",
  "EVENT_STORE.beat": "the consumer's heartbeat, at most once per isolate every 5 s",
  "ROUTE_GATES.handOverLines":
    "lines kept by the gate before the upgrade, asked once per isolate and ordered route",
  "DB.batch":
    "D1's old `seen` table, read by the first request of an isolate once the upgrade's day is over (every request during that day)",
};

/** The sum of the calls whose key passes `test`. */
export const sumCalls = (c: Cost, test: (key: string) => boolean) =>
  Object.entries(c.calls ?? {}).reduce((n, [key, count]) => n + (test(key) ? count : 0), 0);

/** `admit, begin ×2 (3)`: one object's calls. */
function callList(c: Cost, binding: string): string {
  const calls = Object.entries(c.calls ?? {}).filter(([key]) => key.startsWith(`${binding}.`));
  if (calls.length === 0) return "-";
  const total = calls.reduce((n, [, count]) => n + count, 0);
  const list = calls.map(([key, n]) => `${key.slice(binding.length + 1)}${n > 1 ? ` ×${n}` : ""}`);
  return `${list.join(", ")} (${total})`;
}

/**
 * The measured calls per event, by object and method; per isolate; per event in a full batch
 * (`dollars`: a cost's price per million events, as the section's table computes it; `inBatch`:
 * a cost with the counts of an event in a full batch).
 */
export function callsSection(
  result: CostResult,
  dollars: (c: Cost) => string,
  inBatch: (c: Cost) => Cost | undefined,
): string[] {
  const out = [
    "### Calls per event, measured",
    "",
    `| scenario | first attempt | ${Object.values(NAMES).join(" | ")} | queue messages written / read / deleted | D1 statements |`,
    `| --- | --- | ${Object.keys(NAMES)
      .map(() => "---")
      .join(" | ")} | ---: | ---: |`,
  ];
  for (const c of result.shards) {
    const queue = ["written", "read", "deleted"].map((k) => c.calls?.[`queue messages ${k}`] ?? 0);
    out.push(
      `| ${c.scenario} | ${c.failedFirst ? "failed" : "ok"} | ${Object.keys(NAMES)
        .map((binding) => callList(c, binding))
        .join(" | ")} | ${queue.join(" / ")} | ${c.d1Statements ?? 0} |`,
    );
  }
  const once = new Map<string, { n: number; scenarios: string[] }>();
  for (const [scenario, tally] of Object.entries(result.perIsolate)) {
    for (const [key, n] of Object.entries(tally)) {
      if (!ONCE[key]) continue;
      const seen = once.get(key) ?? { n: 0, scenarios: [] };
      once.set(key, { n: Math.max(seen.n, n), scenarios: [...seen.scenarios, scenario] });
    }
  }
  const statements = Math.max(
    0,
    ...Object.values(result.perIsolate).map((tally) => tally["D1 statements"] ?? 0),
  );
  out.push(
    "",
    `Not per event but per isolate (a throwaway event on the same routes warmed the isolate before each measured one; what it made beyond the measured event is listed here, as is the heartbeat wherever it fell): ${
      [...once]
        .map(
          ([key, { n, scenarios }]) =>
            `\`${key}\` ${n}${key === "DB.batch" ? ` (${statements} statements)` : ""}: ${ONCE[key]} (made by the warm-up of: ${scenarios.join(", ")})`,
        )
        .join("; ") || "none"
    }. Not seen by the count: calls objects make to each other (a shard registering itself on its first write) and alarms (a shard's sweep every minute while it holds anything), which are per object, not per event.`,
    "",
  );
  for (const c of result.shards) {
    const b = inBatch(c);
    if (!b) continue;
    out.push(
      `- **${c.scenario}, 10 events in one batch**: each route's gate is asked (\`admit\`) and told (\`report\`) once per batch (the reports write ${c.gateRows ?? 0} row${c.gateRows === 1 ? "" : "s"} on the happy path: each route's meter; its health and circuit only when they change), so per event ${Number((b.doRequests ?? 0).toFixed(1))} DO requests (alone in its batch: ${c.doRequests}), ${Number(b.rowsWritten.toFixed(1))} rows written (alone: ${c.rowsWritten}) and ${b.queueOps} queue operations: ${dollars(b)} per million on the Paid plan (alone: ${dollars(c)}).`,
    );
  }
  if (result.batch.length > 0) out.push("");
  return out;
}
