/**
 * The circuit breaker of one route (its destination), kept by the route's RouteGate as one `kv`
 * value. Plain functions over plain data: the object runs them in its single thread, so every
 * consumer invocation sees the same state.
 *
 *   closed ──(circuitFailures retryable failures in a row)──→ open, until now + cool-down
 *   open ──(cool-down over: the next delivery asking is let through as the probe)──→ half-open
 *   half-open ──(the probe, or any attempt, succeeds)──→ closed: the parked deliveries are released
 *   half-open ──(a failure)──→ open again, the cool-down doubled (at most MAX_COOLDOWN_MS)
 *
 * While open (and half-open, but for the probe) the route's deliveries are parked exactly like a
 * pause's (the RouteGate's `held` table, their rows `paused`): no attempt is made or counted, and
 * the consumer's time goes to other routes. Only retryable failures count (no answer, a timeout,
 * 408, 429, 5xx); any other answer (a 4xx: the destination is up and refusing that delivery,
 * which parking would not change) counts as the destination being up.
 *
 * Defaults, after Envoy's outlier detection (consecutive_5xx 5, base_ejection_time 30 s,
 * max_ejection_time 300 s): 5 failures in a row is unlikely by chance at realistic error rates
 * (0.3^5 = 0.24% of runs at a 30% failure rate), and is reached within one batch of a destination
 * that is down; 30 s is short against the retry schedule (minutes to hours) and long against
 * a probe (one POST).
 */

/** The longest cool-down (or the route's own cool-down, when longer). */
export const MAX_COOLDOWN_MS = 300_000;
/**
 * How long a probe that was let through is awaited before another delivery may probe (its
 * invocation may have died): longer than the longest timeout (60 s) plus a batch's bookkeeping.
 */
export const PROBE_WAIT_MS = 120_000;

export type CircuitState = "closed" | "open" | "half-open";

export interface Circuit {
  state: CircuitState;
  /** Retryable failures in a row (while open: the run that opened it, and any since). */
  failures: number;
  lastError?: string;
  /** Epoch ms when the cool-down ends (open, half-open). */
  openUntil?: number;
  /** Epoch ms when it opened (the start of this outage). */
  openedAt?: number;
  /** Times it opened without closing in between (each failed probe doubles the cool-down). */
  opens: number;
  /** The delivery let through as the probe, and until when it is awaited (half-open). */
  probe?: { event: string; until: number };
}

/** The route's settings for its breaker. */
export interface BreakerSettings {
  /** 0: never opens. */
  failures: number;
  cooldownSeconds: number;
}

/** What `GET /routes` (`circuit`), the console and `/metrics` show. */
export interface CircuitView {
  state: CircuitState;
  /** When the cool-down ends (ISO 8601): the next probe from then on. */
  openUntil?: string;
  failures: number;
  lastError?: string;
}

export const closedCircuit = (): Circuit => ({ state: "closed", failures: 0, opens: 0 });

/**
 * The route's breaker settings: its own, else the deployment's (`CIRCUIT_FAILURES`, default 5;
 * `CIRCUIT_COOLDOWN_SECONDS`, default 30).
 *
 * @example breakerSettings({ circuitFailures: 3 }, settings) // { failures: 3, cooldownSeconds: 30 }
 */
export function breakerSettings(
  route: { circuitFailures?: number; circuitCooldownSeconds?: number },
  defaults: { circuitFailures: number; circuitCooldownSeconds: number },
): BreakerSettings {
  return {
    failures: route.circuitFailures ?? defaults.circuitFailures,
    cooldownSeconds: route.circuitCooldownSeconds ?? defaults.circuitCooldownSeconds,
  };
}

/**
 * What the breaker says to a delivery asking to be attempted now: `go` (closed), `probe` (the
 * cool-down is over and no probe is out: this one is it; the circuit is half-open from now), or
 * `hold` (park it). Changes `circuit` when a probe is let through.
 *
 * @example breakerVerdict(circuit, eventId, Date.now()) // "hold"
 */
export function breakerVerdict(
  circuit: Circuit,
  event: string,
  now: number,
): "go" | "probe" | "hold" {
  if (circuit.state === "closed") return "go";
  if (circuit.state === "open" && now < (circuit.openUntil ?? 0)) return "hold";
  const probe = circuit.probe;
  if (probe && probe.until > now && probe.event !== event) return "hold";
  circuit.state = "half-open";
  circuit.probe = { event, until: now + PROBE_WAIT_MS };
  return "probe";
}

/** A failure the breaker counts: no answer (timeout, network), 408, 429 or 5xx. */
export const countsAsDown = (status: number): boolean =>
  status === 0 || status === 408 || status === 429 || status >= 500;

/**
 * Applies attempts in the order they were made: an answer (a success, or a refusal that does not
 * count) closes the circuit and ends the run of failures; a counted failure
 * adds to the run, opens a closed circuit at `settings.failures`, and opens a half-open one again
 * with twice the cool-down. Returns the transitions to report (`opened`: it was closed; `closed`:
 * it was open or half-open).
 *
 * @example recordAttempts(circuit, [{ status: 0, error: "timeout" }], settings, Date.now()) // { opened: false, closed: false }
 */
export function recordAttempts(
  circuit: Circuit,
  attempts: Array<{ status: number; error?: string }>,
  settings: BreakerSettings,
  now: number,
): { opened: boolean; closed: boolean } {
  let opened = false;
  let closed = false;
  for (const attempt of attempts) {
    // Any answer but a counted failure (a 2xx, or a 4xx refusing one delivery) shows the
    // destination is up.
    if (attempt.error === undefined || !countsAsDown(attempt.status)) {
      if (circuit.state !== "closed") {
        closed = true;
        opened = false;
      }
      Object.assign(circuit, closedCircuit());
      delete circuit.lastError;
      delete circuit.openUntil;
      delete circuit.openedAt;
      delete circuit.probe;
      continue;
    }
    circuit.failures++;
    circuit.lastError = attempt.error.slice(0, 200);
    if (circuit.state === "closed") {
      if (settings.failures === 0 || circuit.failures < settings.failures) continue;
      opened = true;
      closed = false;
      circuit.openedAt = now;
      circuit.opens = 0;
    } else if (circuit.state === "open") continue;
    // Closed past its threshold, or half-open and its probe (or a straggler) failed.
    circuit.opens++;
    circuit.state = "open";
    const base = settings.cooldownSeconds * 1000;
    const cooldown = Math.min(Math.max(MAX_COOLDOWN_MS, base), base * 2 ** (circuit.opens - 1));
    circuit.openUntil = now + cooldown;
    delete circuit.probe;
  }
  return { opened, closed };
}

/** @example circuitView(circuit) // { state: "open", openUntil: "2026-12-03T19:40:30.000Z", failures: 5, lastError: "timeout: ..." } */
export function circuitView(circuit: Circuit): CircuitView {
  return {
    state: circuit.state,
    ...(circuit.state !== "closed" && circuit.openUntil !== undefined
      ? { openUntil: new Date(circuit.openUntil).toISOString() }
      : {}),
    failures: circuit.failures,
    ...(circuit.lastError !== undefined ? { lastError: circuit.lastError } : {}),
  };
}
