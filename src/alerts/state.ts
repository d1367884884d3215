/**
 * A route's alert state as the console and `GET /routes` show it: ok, failing or paused, the
 * current run of failures, and the last alerts raised for it.
 */
import type { GateStatus } from "../coordinate/route-gate.ts";
import { summary } from "./events.ts";
import type { Health } from "./health.ts";

export interface AlertState {
  state: "ok" | "failing" | "paused";
  failures: number;
  failingSince?: string;
  recent: Array<{ id: string; type: string; time: string; summary: string }>;
}

/** @example alertState(status, health) // { state: "failing", failures: 6, failingSince: "...", recent: [...] } */
export function alertState(status: GateStatus, health: Health): AlertState {
  const since = health.breakerSince ?? health.failingSince;
  return {
    state: status.paused ? "paused" : health.failing ? "failing" : "ok",
    failures: health.failures,
    ...(since !== undefined && health.failures > 0
      ? { failingSince: new Date(since).toISOString() }
      : {}),
    recent: health.recent.map((alert) => ({
      id: alert.id,
      type: alert.type,
      time: alert.time,
      summary: summary(alert),
    })),
  };
}
