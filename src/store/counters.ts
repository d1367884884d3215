/**
 * Per-source counters for `GET /metrics`, kept by each shard as events happen: every admit call
 * adds its requests, accepted events and repeats (one upsert per source per call, in the
 * admission's transaction), and a request the Worker answered without an admission (a 4xx, a
 * 503, a handshake) is counted by its status in one shard. The scrape sums them over the shards:
 * nothing is counted over the events.
 */
import { SQL } from "./schema.ts";

/** One source's counts, in one shard or summed over all of them. */
export interface SourceCounts {
  /** Requests whose events were admitted (each counted once, in one of the shards it touched). */
  requests: number;
  accepted: number;
  duplicates: number;
  /** Requests answered without an admission, by HTTP status. */
  answered: Record<string, number>;
}

export type CountsBySource = Record<string, SourceCounts>;

const zero = (): SourceCounts => ({ requests: 0, accepted: 0, duplicates: 0, answered: {} });

/**
 * Adds one admit call's outcome: per source, its events accepted and repeated, and `requests`
 * (the call's share of the request: 1 on one of the shards a request touched, 0 on the others)
 * to the first event's source.
 *
 * @example countAdmitted(sql, events, admissions, 1)
 */
export function countAdmitted(
  sql: SqlStorage,
  events: ReadonlyArray<{ source: string }>,
  admissions: ReadonlyArray<{ duplicate: boolean }>,
  requests: number,
): void {
  const bySource = new Map<string, { accepted: number; duplicates: number }>();
  events.forEach((event, index) => {
    const counts = bySource.get(event.source) ?? { accepted: 0, duplicates: 0 };
    if (admissions[index]?.duplicate) counts.duplicates++;
    else counts.accepted++;
    bySource.set(event.source, counts);
  });
  let first = true;
  for (const [source, counts] of bySource) {
    sql.exec(SQL.countAdmitted, source, first ? requests : 0, counts.accepted, counts.duplicates);
    first = false;
  }
}

/** One request answered without an admission. @example countAnswered(sql, "chatwoot", 401) */
export function countAnswered(sql: SqlStorage, source: string, code: number): void {
  sql.exec(SQL.countAnswered, source, code);
}

/** This shard's counts. @example readCounts(sql) // { chatwoot: { requests: 3, accepted: 4, ... } } */
export function readCounts(sql: SqlStorage): CountsBySource {
  const out: CountsBySource = {};
  for (const row of sql.exec<{
    source: string;
    requests: number;
    accepted: number;
    duplicates: number;
  }>(SQL.sourceCounts)) {
    const { requests, accepted, duplicates } = row;
    out[row.source] = { requests, accepted, duplicates, answered: {} };
  }
  for (const row of sql.exec<{ source: string; code: number; n: number }>(SQL.answerCounts)) {
    const counts = out[row.source] ?? zero();
    counts.answered[String(row.code)] = row.n;
    out[row.source] = counts;
  }
  return out;
}

/** The sum of the shards' counts. @example sumCounts([a, b]) */
export function sumCounts(shards: CountsBySource[]): CountsBySource {
  const out: CountsBySource = {};
  for (const shard of shards) {
    for (const [source, counts] of Object.entries(shard)) {
      const sum = out[source] ?? zero();
      sum.requests += counts.requests;
      sum.accepted += counts.accepted;
      sum.duplicates += counts.duplicates;
      for (const [code, n] of Object.entries(counts.answered)) {
        sum.answered[code] = (sum.answered[code] ?? 0) + n;
      }
      out[source] = sum;
    }
  }
  return out;
}
