/**
 * What a route's RouteGate (route-gate.ts) answers: its status, the consumer's request before
 * posting and the verdict, and the rate limit's timing constants.
 */
import type { CircuitView } from "./breaker.ts";

/**
 * How late after its slot a rate-limited POST may still start; a consumer later than that asks
 * for new slots (`reslot`). The slots are spaced by this much more than `1000 / rate` ms, so a
 * route gets at most `rate` POSTs in any second, about `rate / 1.1` at saturation.
 */
export const LATE_MS = 100;
/** How far ahead a rate-limited route hands out start times (the longest a consumer sleeps). */
export const HORIZON_MS = 5_000;
export interface GateStatus {
  paused: boolean;
  pausedAt?: string;
  /** Who paused it: an operator, or the route's failure (`pauseAfterMinutes`). */
  pausedBy?: "operator" | "automatic";
  /** Deliveries held by the pause or the open circuit. */
  held: number;
  /** The circuit breaker (breaker.ts). */
  circuit: CircuitView;
  /** An ordered route: conversations with events not yet settled (added by `watchRoute`). */
  conversations?: number;
  /** An ordered route: events waiting behind their conversation's head (added by `watchRoute`). */
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
  /** Epoch ms when the delivery's retry window ends (held past it while open: `expired`). */
  deadline?: number;
}

export type Verdict =
  | { kind: "go"; at: number; spacingMs: number; probe?: boolean }
  | { kind: "held"; reason: "paused" | "circuit" }
  | { kind: "expired" }
  | { kind: "later"; delaySeconds: number };
