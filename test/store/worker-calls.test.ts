/**
 * What one Chatwoot event really costs in calls, counted through the real Worker (worker-calls.ts):
 * the request, the consumer, its retry. These are the counts the cost table (BENCHMARKS.md "Cost
 * per event", test/store/cost.test.ts) reports; a change that adds a call per event fails here.
 */
import { describe, expect, it } from "vitest";
import { type EventCalls, measureBatch, measureScenario, type Tally } from "./worker-calls.ts";

/** Calls to Durable Objects only, by `<namespace>.<method>`. */
const doCalls = (calls: EventCalls) =>
  Object.fromEntries(
    Object.entries(calls.calls).filter(([key]) =>
      /^(EVENT_STORE|EVENT_INDEX|ROUTE_GATES|ORDER_LINES)\./.test(key),
    ),
  );

/** Made once per isolate (or, the heartbeat, at most every 5 s), never per event. */
const ONCE = ["EVENT_STORE.upgrade", "EVENT_STORE.beat", "ROUTE_GATES.handOverLines"];

const expectNoOnceCalls = (calls: EventCalls, perIsolate: Tally) => {
  for (const key of ONCE) expect(calls.calls[key]).toBeUndefined();
  const allowed = [...ONCE, "DB.batch", "D1 statements"];
  for (const key of Object.keys(perIsolate)) expect(allowed).toContain(key);
};

/** What the happy path adds when the first attempt fails: the retried message is read again. */
const expectOneRetry = (ok: EventCalls, failed: EventCalls) => {
  expect(failed.posts).toBe(ok.posts + 1);
  expect(failed.messages).toEqual({ ...ok.messages, read: ok.messages.read + 1 });
  expect(failed.queueOps).toBe(ok.queueOps + 1);
};

describe("calls per event through the real Worker (one event alone in its batch)", () => {
  it("plain: 6 DO requests (the shard 3, the listing 1, the route's gate 2), 3 queue operations, no D1", async () => {
    const { ok, failed, perIsolate } = await measureScenario("plain");
    expect(doCalls(ok)).toEqual({
      "EVENT_STORE.admit": 1,
      "EVENT_INDEX.add": 1,
      "EVENT_STORE.begin": 1,
      "ROUTE_GATES.admit": 1,
      "EVENT_STORE.settle": 1,
      "ROUTE_GATES.report": 1,
    });
    expect(ok.doRequests).toBeLessThanOrEqual(6);
    expect(ok.queueOps).toBe(3);
    expect(ok.calls["DELIVERY_QUEUE.sendBatch"]).toBe(1);
    expect(ok.d1Statements).toBe(0);
    expect(ok.subrequests).toBe(8); // 6 DO calls, 1 sendBatch, 1 POST
    // A healthy route's report writes its meter only (health and circuit unchanged): 1 row.
    expect(ok.gateRows).toBe(1);
    // A failed first attempt: begin, the gate, settle and the report once more.
    expect(failed.doRequests).toBe(ok.doRequests + 4);
    expectOneRetry(ok, failed);
    expectNoOnceCalls(ok, perIsolate);
    expectNoOnceCalls(failed, perIsolate);
  });

  it("three routes: one admit and one listing call, then 4 DO requests per route", async () => {
    const { ok, failed, perIsolate } = await measureScenario("three routes");
    expect(ok.doRequests).toBeLessThanOrEqual(2 + 3 * 4);
    expect(doCalls(ok)).toMatchObject({ "EVENT_STORE.admit": 1, "EVENT_INDEX.add": 1 });
    for (const method of ["EVENT_STORE.begin", "EVENT_STORE.settle"])
      expect(ok.calls[method]).toBe(3);
    for (const method of ["ROUTE_GATES.admit", "ROUTE_GATES.report"])
      expect(ok.calls[method]).toBe(3);
    expect(ok.queueOps).toBe(9);
    expect(ok.calls["DELIVERY_QUEUE.sendBatch"]).toBe(1);
    expect(ok.d1Statements).toBe(0);
    expect(failed.doRequests).toBe(ok.doRequests + 4);
    expectOneRetry(ok, failed);
    expectNoOnceCalls(ok, perIsolate);
  });

  it("ordered: the line object 4 times (line, turn, peek, settle) on top of the plain route's 6", async () => {
    const { ok, failed, perIsolate } = await measureScenario("ordered");
    expect(ok.doRequests).toBeLessThanOrEqual(10);
    expect(doCalls(ok)).toMatchObject({
      "ORDER_LINES.line": 1,
      "ORDER_LINES.turn": 1,
      "ORDER_LINES.peek": 1,
      "ORDER_LINES.settle": 1,
      "ROUTE_GATES.admit": 1,
      "ROUTE_GATES.report": 1,
    });
    expect(ok.queueOps).toBe(3);
    // A failed first attempt asks its turn again, and settles (retrying) without passing it on.
    expect(failed.doRequests).toBe(ok.doRequests + 5);
    expect(failed.calls["ORDER_LINES.turn"]).toBe(2);
    expectOneRetry(ok, failed);
    // The hand-over of lines kept by the gate before the upgrade: once per isolate and route.
    expect(perIsolate["ROUTE_GATES.handOverLines"]).toBe(1);
    expectNoOnceCalls(ok, perIsolate);
  });

  it("rate-limited: the gate reserves a slot per attempt, a row each", async () => {
    const { ok, failed, perIsolate } = await measureScenario("rate-limited");
    expect(ok.doRequests).toBeLessThanOrEqual(6);
    expect(ok.calls["ROUTE_GATES.admit"]).toBe(1);
    expect(failed.calls["ROUTE_GATES.admit"]).toBe(2);
    expect(ok.queueOps).toBe(3);
    // The report's row (the meter), and the next free slot; a failure changes the health and
    // the circuit too, and so does the success after it.
    expect(ok.gateRows).toBe(2);
    expect(failed.gateRows).toBe(8);
    expect(failed.doRequests).toBe(ok.doRequests + 4);
    expectOneRetry(ok, failed);
    expectNoOnceCalls(ok, perIsolate);
  });
});

describe("calls per event in a full batch", () => {
  it("plain, 10 events in one batch: the gate is asked and told once per batch", async () => {
    const batch = await measureBatch("plain", 10);
    expect(batch.calls["ROUTE_GATES.admit"]).toBeCloseTo(0.1);
    expect(batch.calls["ROUTE_GATES.report"]).toBeCloseTo(0.1);
    expect(batch.doRequests).toBeCloseTo(4.2);
    expect(batch.queueOps).toBe(3);
    expect(batch.gateRows).toBeCloseTo(0.1);
  });
});
