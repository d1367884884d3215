import { DurableObject } from "cloudflare:workers";
import type { AlertEvent } from "../alerts/events.ts";
import type { Health, Thresholds } from "../alerts/health.ts";
import type { Meter } from "../alerts/meter.ts";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { endedSince, type Minute, minutesSince } from "../store/counts.ts";
import { resumeDeliveries } from "../store/index.ts";
import {
  append,
  type ConversationLine,
  createLineup,
  type InLine,
  lines,
  peek,
  settle,
  turn,
  waitingCount,
} from "./lineup.ts";
import {
  applyReports,
  breaker,
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
 * whether a delivery to that route may start now. It serves pause, rate limit and (later)
 * per-conversation ordering with one mechanism, because all three are "who may post to this
 * destination next", and a Durable Object runs one call at a time, so its answer is exact across
 * any number of concurrent consumer invocations (a lock in D1 would need compare-and-swap
 * round trips and could still be left held by a crashed consumer).
 *
 * Pause: the held deliveries are kept here, in the object's own SQLite storage, not in the queue.
 * Queues deletes a message 4 days after it was sent, retried or not, so a message kept retrying
 * through a long pause would be lost; instead the consumer acks it and this object records
 * (event, route). Because the record is written by the same object that answers "paused", a
 * resume can never miss a delivery that was being held at that moment. Resume re-queues them
 * in bounded batches from an alarm (one batch per alarm run, re-armed until none is left), so
 * any number of held deliveries is resumed without one long request.
 *
 * Rate limit: slot reservation. Each delivery gets a start time at least `1000 / maxPerSecond`
 * ms after the previous one; the consumer waits for its slot. Slots are handed out at most
 * `HORIZON_MS` ahead: beyond that the answer is "come back in n seconds" (the message is sent
 * again with that delay) so a consumer never sleeps long, and nothing is lost or dead-lettered.
 * The next free slot is kept in storage so a restarted object does not start a burst.
 *
 * Order (`ordered: true`): the object keeps each conversation's line (lineup.ts). The Worker
 * lines up the events it accepts before it answers (`line`), so the order is the order of
 * acceptance, not of consumption (Queues neither keeps order nor delivers once). Only a
 * conversation's head is queued; the others wait here, and their outbox rows say `waiting`.
 * The consumer asks `admit` as for any route: an event that is not its conversation's head is
 * told to wait. When the head settles, `settle` names the next one, which the consumer queues.
 * The order check comes before the pause and the rate limit, so a paused route holds only each
 * conversation's head and resumes each conversation where it was.
 */
export class RouteGate extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS held (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, route TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL)`,
      );
      createLineup(ctx.storage.sql);
    });
  }

  /**
   * Whether the route is paused, since when, how many deliveries are held, and (an ordered
   * route) how many conversations have events in line and how many events wait behind a head.
   */
  status(): GateStatus {
    const pausedAt = this.ctx.storage.kv.get<string>("pausedAt");
    const pausedBy = this.ctx.storage.kv.get<"operator" | "automatic">("pausedBy");
    const held = this.heldCount();
    const { conversations, waiting } = waitingCount(this.ctx.storage.sql);
    return {
      paused: pausedAt !== undefined,
      ...(pausedAt ? { pausedAt, pausedBy: pausedBy ?? "operator" } : {}),
      held,
      ...(conversations > 0 ? { conversations, waiting } : {}),
    };
  }

  /** Lines up accepted events of an ordered route (see `append` in lineup.ts). */
  line(items: InLine[]): { heads: string[]; waiting: string[] } {
    return append(this.ctx.storage.sql, items);
  }

  /** A settled delivery leaves its conversation's line; returns the new head, if it was the head. */
  settle(event: string): { next?: string } {
    return settle(this.ctx.storage.sql, event);
  }

  /** The event after `event` in its conversation's line, when `event` is the head; no change. */
  peek(event: string): { next?: string } {
    return peek(this.ctx.storage.sql, event);
  }

  /** Conversations with events in line (for the console), longest-waiting first. */
  lines(limit: number): { total: number; lines: ConversationLine[] } {
    return lines(this.ctx.storage.sql, limit);
  }

  private heldCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM held").one().n;
  }

  /** An operator's pause; `alerts` is `route.paused` to send (none when already paused). */
  pause(route?: string, consoleUrl = "/console"): GateStatus & { alerts: AlertEvent[] } {
    let alerts: AlertEvent[] = [];
    if (this.ctx.storage.kv.get("pausedAt") === undefined) {
      this.ctx.storage.kv.put("pausedAt", new Date().toISOString());
      if (route) alerts = operatorPaused(this.ctx.storage.kv, route, this.heldCount(), consoleUrl);
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
   * route's health, an automatic pause when due. Returns the alerts for the consumer to send.
   */
  report(route: string, reports: Report[], limits: Thresholds): AlertEvent[] {
    return applyReports(this.ctx.storage.kv, route, reports, limits, () => this.heldCount());
  }

  /** The cron: a dead-letter digest whose window has passed. */
  digest(route: string, limits: Thresholds): AlertEvent[] {
    return flushDigest(this.ctx.storage.kv, route, limits);
  }

  /**
   * THE hook of the circuit breaker (issue 26, not built yet): call it when the route's breaker
   * opens (`open: true`) and when its probe succeeds (`open: false`). See `breakerChanged`.
   */
  breakerChanged(route: string, open: boolean, limits: Thresholds): AlertEvent[] {
    return breaker(this.ctx.storage.kv, route, open, limits, () => this.heldCount());
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
   * - wait (an ordered route, `conversation` given): another event of the conversation is ahead.
   * - paused: the delivery is recorded as held here; the consumer acks the message.
   * - go: post now, or wait until `at` (epoch ms), spacing several deliveries by `spacingMs`.
   * - later: no slot within the horizon; send the message again in `delaySeconds`.
   */
  admit(request: AdmitRequest): Verdict {
    if (request.conversation !== undefined) {
      const { head } = turn(this.ctx.storage.sql, {
        event: request.event,
        conversation: request.conversation,
      });
      if (head !== request.event) return { kind: "wait", head };
    }
    if (this.ctx.storage.kv.get("pausedAt") !== undefined) {
      this.ctx.storage.sql.exec(
        "INSERT INTO held (event, route, tries, at) VALUES (?, ?, ?, ?)",
        request.event,
        request.route,
        request.tries ?? 0,
        Date.now(),
      );
      return { kind: "held" };
    }
    const rate = request.maxPerSecond;
    if (!rate) return { kind: "go", at: Date.now(), spacingMs: 0 };
    const next = this.ctx.storage.kv.get<number>("nextSlot") ?? 0;
    const wait = Math.max(Date.now(), next) - Date.now();
    if (wait > HORIZON_MS) {
      return { kind: "later", delaySeconds: Math.max(1, Math.ceil((wait - HORIZON_MS) / 1000)) };
    }
    return { kind: "go", ...this.reserve(rate, request.deliveries) };
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

  /** Re-queues up to `RESUME_BATCH` held deliveries per run, until none is left or paused again. */
  override async alarm(): Promise<void> {
    if (this.ctx.storage.kv.get("pausedAt") !== undefined) return;
    try {
      await this.resumeBatch();
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
    const rows = this.ctx.storage.sql
      .exec<{ seq: number; event: string; route: string; tries: number }>(
        "SELECT seq, event, route, tries FROM held ORDER BY seq LIMIT ?",
        RESUME_BATCH,
      )
      .toArray();
    if (rows.length === 0) return;
    // Their outbox rows go back to `queued` first: should the messages be lost, the sweep
    // queues them (a `paused` row is left to this object).
    await resumeDeliveries(
      this.env,
      rows.map((row) => ({ eventId: row.event, route: row.route })),
    );
    await this.env.DELIVERY_QUEUE.sendBatch(
      rows.map((row) => ({
        body: {
          v: 1,
          event: row.event,
          route: row.route,
          ...(row.tries > 0 ? { tries: row.tries } : {}),
        } satisfies DeliveryMessage,
        contentType: "json" as const,
      })),
    );
    // Queued before deleted: a crash in between queues some twice, and the consumer never
    // re-sends a delivery already made.
    const last = rows[rows.length - 1]?.seq ?? 0;
    this.ctx.storage.sql.exec("DELETE FROM held WHERE seq <= ?", last);
    log("info", "held deliveries queued again", { route: rows[0]?.route, count: rows.length });
    await this.ctx.storage.setAlarm(Date.now());
  }
}

/**
 * How late after its slot a rate-limited POST may still start; a consumer later than that asks
 * for new slots (`reslot`). The slots are spaced by this much more than `1000 / rate` ms, so a
 * route gets at most `rate` POSTs in any second, about `rate / 1.1` at saturation.
 */
export const LATE_MS = 100;
/** How far ahead a rate-limited route hands out start times (the longest a consumer sleeps). */
export const HORIZON_MS = 5_000;
/** How long a resume that failed (the store or the queue unavailable) waits before trying again. */
const RESUME_RETRY_MS = 30_000;
/** Held deliveries re-queued per alarm run (one `sendBatch`, at most 100 messages). */
const RESUME_BATCH = 100;

export interface GateStatus {
  paused: boolean;
  pausedAt?: string;
  /** Who paused it: an operator, or the route's failure (`pauseAfterMinutes`). */
  pausedBy?: "operator" | "automatic";
  held: number;
  /** An ordered route: conversations with events not yet settled. */
  conversations?: number;
  /** An ordered route: events waiting behind their conversation's head. */
  waiting?: number;
}

export interface AdmitRequest {
  event: string;
  route: string;
  /** Attempts already made before this message (carried over when a message is sent again). */
  tries?: number;
  /** How many POSTs this message makes (slots to reserve). */
  deliveries: number;
  maxPerSecond?: number;
  /** An ordered route: the event's conversation (absent: the event is not ordered). */
  conversation?: string;
}

export type Verdict =
  | { kind: "go"; at: number; spacingMs: number }
  | { kind: "held" }
  | { kind: "later"; delaySeconds: number }
  | { kind: "wait"; head: string };
