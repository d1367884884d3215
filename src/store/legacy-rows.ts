/**
 * How `shard-legacy` finds the events it imported from the D1 store (legacy.ts): by their D1 id
 * (a UUID), kept as the tag and indexed by the one index only that shard has. A call names such
 * an event with `seq` 0 (src/store/shard.ts `parseEventId`); these functions give it its row.
 */
import { LEGACY_SCHEMA, LEGACY_SQL } from "./legacy-sql.ts";

/** The legacy shard's own index (its events are found by their D1 id). */
export function createLegacy(sql: SqlStorage): void {
  for (const statement of LEGACY_SCHEMA) sql.exec(statement);
}

/**
 * The row of an event known by its D1 id, or undefined. A shard's calls carry `seq` 0 for such an
 * id (src/store/shard.ts `parseEventId`): this is where the legacy shard finds the real one.
 *
 * @example const seq = seqOf(sql, ref.seq, ref.tag); // ref.seq itself unless it is 0
 */
export function seqOf(sql: SqlStorage, seq: number, tag: string): number {
  if (seq !== 0) return seq;
  return sql.exec<{ seq: number }>(LEGACY_SQL.seqOfTag, tag).toArray()[0]?.seq ?? 0;
}

/**
 * A replay of a D1 event the import did not take (settled then, a dead letter now): put back
 * under its id with a new row, before `replayRows` (whose own restore needs a row number).
 */
export function restoreLegacy<
  T extends { seq: number; tag: string; restore?: RestoredEvent | undefined },
>(sql: SqlStorage, refs: T[]): T[] {
  for (const { seq, tag, restore } of refs) {
    if (seq !== 0 || !restore) continue;
    const { source, name, dispatch, payload, receivedAt } = restore;
    // Read to its end: a RETURNING statement left open fails the transaction's commit.
    sql
      .exec(LEGACY_SQL.importEvent, tag, source, name, dispatch ?? null, payload, receivedAt)
      .toArray();
  }
  return refs;
}

type RestoredEvent = {
  source: string;
  name: string;
  dispatch?: string | undefined;
  payload: string;
  receivedAt: number;
};

/**
 * These refs with the row of each legacy one (`seq` 0, a D1 id) found by its tag: what every
 * call of the legacy shard that names events does first. Others are returned as they are.
 *
 * @example const rows = rowsOf(sql, refs); // [{ seq: 12, tag: "0b8e0c8e-...", route: "crm" }]
 */
export function rowsOf<T extends { seq: number; tag: string }>(sql: SqlStorage, refs: T[]): T[] {
  if (!refs.some((ref) => ref.seq === 0)) return refs;
  return refs.map((ref) => (ref.seq === 0 ? { ...ref, seq: seqOf(sql, 0, ref.tag) } : ref));
}
