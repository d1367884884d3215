import { DurableObject } from "cloudflare:workers";
import type { AlertEvent } from "../alerts/events.ts";
import type { Health, Thresholds } from "../alerts/health.ts";
import type { Meter } from "../alerts/meter.ts";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { endedSince, type Minute, minutesSince } from "../store/counts.ts";
import {
  type BreakerSettings,
  breakerVerdict,
  type Circuit,
  circuitView,
  closedCircuit,
  PROBE_WAIT_MS,
  recordAttempts,
} from "./breaker.ts";
import { handOver } from "./handover.ts";
import { createHeld, heldCount, hold, oldestHeld, release } from "./held.ts";
import {
  type AdmitRequest,
  type GateStatus,
  HORIZON_MS,
  LATE_MS,
  type Verdict,
} from "./verdict.ts";
import {
  applyReports,
  breaker as breakerHook,
  flushDigest,
  operatorPaused,
  type Report,
  readBuckets,
  readHealth,
  readMeter,
} from "./watch.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One Durable Object per route (`ROUTE_GATES.idFromName(route)`): the single place that decides
 * whether a delivery to that route may start now. It serves pause, circuit breaker and rate limit
 * with one mechanism, because all three are "who may post to this destination next", and a
 * Durable Object runs one call at a time, so its answer is exact across any number of concurrent
 * consumer invocations (a lock in D1 would need compare-and-swap round trips and could still be
 * left held by a crashed consumer).
 *
 * Pause: the held deliveries are kept here, in the object's own SQLite storage, not in the queue
 * (held.ts). Queues deletes a message 4 days after it was sent, retried or not, so a message kept
 * retrying through a long pause would be lost; instead the consumer acks it and this object
 * records (event, route). Because the record is written by the same object that answers
 * "paused", a resume can never miss a delivery that was being held at that moment. Resume
 * re-queues them in bounded batches from an alarm (one batch per alarm run, re-armed until none
 * is left), so any number of held deliveries is resumed without one long request.
 *
 * Circuit breaker (breaker.ts): the consumer's reports open it after a run of failures; while it
 * is open its deliveries are held exactly as a pause holds them (no attempt made or counted), an
 * alarm at the end of the cool-down releases one of them to be the probe, and the probe's success
 * closes the circuit and releases the rest. A held delivery whose retry window ends while the
 * circuit stays open is released too, and told `expired` (a dead letter): an endless outage
 * still ends in dead letters.
 *
 * Rate limit: slot reservation. Each delivery gets a start time at least `1000 / maxPerSecond`
 * ms after the previous one; the consumer waits for its slot. Slots are handed out at most
 * `HORIZON_MS` ahead: beyond that the answer is "come back in n seconds" (the message is sent
 * again with that delay) so a consumer never sleeps long, and nothing is lost or dead-lettered.
 * The next free slot is kept in storage so a restarted object does not start a burst.
 *
 * Order (`ordered: true`) is kept by the route's ConversationLines objects (lines.ts), asked
 * before this one: only a conversation's head ever asks here, so a paused route (or an open
 * circuit) holds only each conversation's head and resumes each conversation where it was.
 */
export class RouteGate extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => createHeld(ctx.storage.sql));
  }

  /** Moves this route's lines kept here before the upgrade to its line objects (handover.ts). */
  handOverLines(route: string): Promise<number> {
    return this.ctx.blockConcurrencyWhile(() => handOver(this.env, this.ctx.storage.sql, route));
  }

  private circuit(): Circuit {
    return this.ctx.storage.kv.get<Circuit>("circuit") ?? closedCircuit();
  }

  /** Whether the route is paused, since when, how many deliveries are held, and its circuit. */
  status(): GateStatus {
    const pausedAt = this.ctx.storage.kv.get<string>("pausedAt");
    const pausedBy = this.ctx.storage.kv.get<"operator" | "automatic">("pausedBy");
    return {
      paused: pausedAt !== undefined,
      ...(pausedAt ? { pausedAt, pausedBy: pausedBy ?? "operator" } : {}),
      held: heldCount(this.ctx.storage.sql),
      circuit: circuitView(this.circuit()),
    };
  }

  /** An operator's pause; `alerts` is `route.paused` to send (none when already paused). */
  pause(route?: string, consoleUrl = "/console"): GateStatus & { alerts: AlertEvent[] } {
    let alerts: AlertEvent[] = [];
    if (this.ctx.storage.kv.get("pausedAt") === undefined) {
      this.ctx.storage.kv.put("pausedAt", new Date().toISOString());
      if (route) {
        const held = heldCount(this.ctx.storage.sql);
        alerts = operatorPaused(this.ctx.storage.kv, route, held, consoleUrl);
      }
    }
    return { ...this.status(), alerts };
  }

  /** Lifts the pause (an operator's or an automatic one) and re-queues the held deliveries (see `alarm`). */
  async resume(): Promise<GateStatus> {
    this.ctx.storage.kv.delete("pausedAt");
    this.ctx.storage.kv.delete("pausedBy");
    await this.ctx.storage.setAlarm(Date.now());
    return this.status();
  }

  /**
   * The consumer's report of a batch's messages for this route (src/alerts): counters, the
   * route's health, an automatic pause when due, and the circuit breaker (`breaker`: the route's
   * settings). Returns the alerts for the consumer to send.
   */
  async report(
    route: string,
    reports: Report[],
    limits: Thresholds,
    breaker?: BreakerSettings,
  ): Promise<AlertEvent[]> {
    const kv = this.ctx.storage.kv;
    const held = () => heldCount(this.ctx.storage.sql);
    if (!breaker) return applyReports(kv, route, reports, limits, held);
    const circuit = this.circuit();
    const before = JSON.stringify(circuit);
    const cooledUntil = circuit.openUntil;
    const now = Date.now();
    const { opened, closed } = recordAttempts(
      circuit,
      reports.flatMap((each) => each.health.attempts),
      breaker,
      now,
    );
    if (JSON.stringify(circuit) !== before) kv.put("circuit", circuit);
    const alerts: AlertEvent[] = [];
    // Closing first: the hook's `route.recovered` needs the health still failing, which the
    // report's success would reset. Opening after: the hook's `route.failing` names the
    // report's failures.
    if (closed) {
      log("info", "circuit closed", { route, released: held() });
      alerts.push(...breakerHook(kv, route, false, limits, held));
    }
    alerts.push(...applyReports(kv, route, reports, limits, held));
    if (opened) {
      log("warn", "circuit opened", { route, ...circuitView(circuit) });
      alerts.push(...breakerHook(kv, route, true, limits, held));
    }
    // (Re)opened, a new cool-down: its end's alarm releases the probe. Closed: the held go now.
    if (closed) await this.ctx.storage.setAlarm(now);
    else if (circuit.state === "open" && circuit.openUntil !== cooledUntil) {
      await this.ctx.storage.setAlarm(circuit.openUntil ?? now);
    }
    return alerts;
  }

  /** The cron: a dead-letter digest whose window has passed. */
  digest(route: string, limits: Thresholds): AlertEvent[] {
    return flushDigest(this.ctx.storage.kv, route, limits);
  }

  /**
   * THE hook of the circuit breaker: called by `report` when the route's breaker opens
   * (`open: true`) and when it closes (`open: false`). See `breakerChanged` (src/alerts).
   */
  breakerChanged(route: string, open: boolean, limits: Thresholds): AlertEvent[] {
    return breakerHook(this.ctx.storage.kv, route, open, limits, () =>
      heldCount(this.ctx.storage.sql),
    );
  }

  /**
   * Health, counters and gauges for the console and `GET /metrics`; `counts`: deliveries that
   * ended in the last 24 hours, by outcome (src/store/counts.ts).
   */
  watch(): { status: GateStatus; health: Health; meter: Meter; counts: Record<string, number> } {
    const kv = this.ctx.storage.kv;
    return {
      status: this.status(),
      health: readHealth(kv),
      meter: readMeter(kv),
      counts: endedSince(readBuckets(kv), Date.now() - DAY_MS),
    };
  }

  /** Attempts per minute by outcome since `sinceMs` (at most 24 hours back): `/activity`. */
  activity(sinceMs: number): Minute[] {
    return minutesSince(readBuckets(this.ctx.storage.kv), sinceMs);
  }

  /**
   * Asked by the consumer before it posts `deliveries` deliveries of one message.
   * - held: the route is paused or its circuit open; the delivery is recorded here (held.ts)
   *   and the consumer acks the message.
   * - expired: the circuit is open and the delivery's retry window is over: a dead letter.
   * - go: post now, or wait until `at` (epoch ms), spacing several deliveries by `spacingMs`;
   *   `probe`: this delivery is the circuit's probe (the consumer does not take the answer for
   *   the rest of its batch).
   * - later: no slot within the horizon; send the message again in `delaySeconds`.
   */
  admit(request: AdmitRequest): Verdict {
    const kv = this.ctx.storage.kv;
    const keep = (reason: "paused" | "circuit"): Verdict => {
      hold(this.ctx.storage.sql, {
        event: request.event,
        route: request.route,
        tries: request.tries ?? 0,
        ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
      });
      return { kind: "held", reason };
    };
    if (kv.get("pausedAt") !== undefined) return keep("paused");
    const circuit = this.circuit();
    const now = Date.now();
    const breaker = breakerVerdict(circuit, request.event, now);
    if (breaker === "hold") {
      if (request.deadline !== undefined && request.deadline <= now) return { kind: "expired" };
      return keep("circuit");
    }
    if (breaker === "probe") {
      kv.put("circuit", circuit);
      log("info", "circuit half-open: probe let through", {
        route: request.route,
        eventId: request.event,
      });
    }
    const probe = breaker === "probe" ? { probe: true } : {};
    const rate = request.maxPerSecond;
    if (!rate) return { kind: "go", at: now, spacingMs: 0, ...probe };
    const next = kv.get<number>("nextSlot") ?? 0;
    const wait = Math.max(now, next) - now;
    if (wait > HORIZON_MS) {
      return { kind: "later", delaySeconds: Math.max(1, Math.ceil((wait - HORIZON_MS) / 1000)) };
    }
    return { kind: "go", ...this.reserve(rate, request.deliveries), ...probe };
  }

  /**
   * New start times for a consumer that woke up more than `LATE_MS` after its slot (a busy
   * isolate): posting late could crowd the next holder's slot, so it takes the next free ones,
   * past the horizon if need be (it already passed the pause check; it just waits longer).
   */
  reslot(request: { maxPerSecond: number; deliveries: number }): { at: number; spacingMs: number } {
    return this.reserve(request.maxPerSecond, request.deliveries);
  }

  private reserve(rate: number, deliveries: number): { at: number; spacingMs: number } {
    // Slots `(1000 + LATE_MS) / rate` apart, and a POST starts within `LATE_MS` of its slot (the
    // consumer re-slots otherwise): so any `rate + 1` POSTs span at least a full second, and no
    // window of one second holds more than `rate` of them.
    const spacingMs = (1000 + LATE_MS) / rate;
    const at = Math.max(Date.now(), this.ctx.storage.kv.get<number>("nextSlot") ?? 0);
    this.ctx.storage.kv.put("nextSlot", at + spacingMs * Math.max(1, deliveries));
    return { at, spacingMs };
  }

  /**
   * Queues held deliveries again: up to `RESUME_BATCH` per run, re-armed until none is left, when
   * neither paused nor open; while the circuit is open, those whose retry window is over (to be
   * dead-lettered) and, once the cool-down is over, one to be the probe.
   */
  override async alarm(): Promise<void> {
    if (this.ctx.storage.kv.get("pausedAt") !== undefined) return;
    try {
      const circuit = this.circuit();
      if (circuit.state === "closed") await this.resumeBatch();
      else await this.whileOpen(circuit);
    } catch (error) {
      // The runtime retries a failing alarm only a few times; the store or the queue may be down for
      // longer, and the held deliveries would then stay held with nothing to resume them. So the
      // alarm never fails: it tries again later, for as long as it takes.
      log("error", "held deliveries not queued again yet; trying again in 30 s", {
        error: error instanceof Error ? error.message : String(error),
      });
      await this.ctx.storage.setAlarm(Date.now() + RESUME_RETRY_MS);
    }
  }

  private async resumeBatch(): Promise<void> {
    const rows = oldestHeld(this.ctx.storage.sql, RESUME_BATCH);
    if (rows.length === 0) return;
    await release(this.env, this.ctx.storage.sql, rows, "resumed");
    await this.ctx.storage.setAlarm(Date.now());
  }

  private async whileOpen(circuit: Circuit): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    await release(this.env, sql, oldestHeld(sql, RESUME_BATCH, now), "retry window over");
    const cooling = circuit.state === "open" && now < (circuit.openUntil ?? 0);
    const probing = circuit.probe !== undefined && circuit.probe.until > now;
    const [probe] = !cooling && !probing ? oldestHeld(sql, 1) : [];
    if (probe) {
      // The released delivery is the probe: any other asking before its answer is held.
      this.ctx.storage.kv.put("circuit", {
        ...circuit,
        state: "half-open",
        probe: { event: probe.event, until: now + PROBE_WAIT_MS },
      } satisfies Circuit);
      await release(this.env, sql, [probe], "probe");
    }
    if (heldCount(sql) === 0) return;
    // Next: the end of the cool-down, the probe's answer overdue, or the next retry window.
    const earliest = sql
      .exec<{ at: number | null }>("SELECT MIN(deadline) AS at FROM held")
      .one().at;
    const next = cooling ? (circuit.openUntil ?? now) : now + PROBE_WAIT_MS;
    await this.ctx.storage.setAlarm(Math.max(now + 1000, Math.min(next, earliest ?? next)));
  }
}

/** How long a resume that failed (the store or the queue unavailable) waits before trying again. */
const RESUME_RETRY_MS = 30_000;
/** Held deliveries re-queued per alarm run (one `sendBatch`, at most 100 messages). */
const RESUME_BATCH = 100;

export type { AdmitRequest, GateStatus, Verdict } from "./verdict.ts";
export { HORIZON_MS, LATE_MS } from "./verdict.ts";
