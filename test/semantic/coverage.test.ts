/**
 * One consumer-meaning test per row of the coverage tables (mappings/README.md, "## Coverage"):
 * every fixture the row names is translated into every target, and each delivery is read as that
 * target's consumer reads it. Each row checks
 *
 * - that a target the row says is skipped gets nothing (and is told why), and that a target the
 *   row names a delivery for gets one;
 * - for the lists of events, that each delivery is the event the row names;
 * - the meaning of the value itself (test/semantic/meanings*.ts): the text shown, the author, the
 *   reply target, the attachment's kind and link, privacy, the status, the ids linked.
 *
 * The guard (test/coverage/coverage.test.ts) makes sure every value has a row and a fixture.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/translate/index.ts";
import { coverageTables, type Row, type Table } from "../coverage/table.ts";
import { valuesIn } from "../coverage/values.ts";
import { fixtures } from "../fixtures.ts";
import { meanings } from "./meanings.ts";
import { formatMeanings } from "./meanings-formats.ts";
import { type Outcome, type Target, translateCorpus } from "./outcomes.ts";

let outcomes: Outcome[] = [];
beforeAll(async () => {
  outcomes = await translateCorpus();
}, 120_000);

/** The target columns after the canonical cell, and the targets each stands for. */
const columns: Target[][] = [["chatwoot", "onehash"], ["supporthunt"], ["dotted"]];
/** The lists whose values are events: their cells name the events each target receives. */
const eventLists: Record<string, string> = {
  chatwoot: "webhook event",
  supporthunt: "event.type",
  dotted: "event",
  telegram: "Update kind",
  whatsapp: "change field",
};
const meaningOf = (t: Table) => meanings[t.source]?.[t.list] ?? formatMeanings[t.source]?.[t.list];

const skippedCell = (cell: string) => /^skipped(:|$|\s)/.test(cell);
/** A cell that names what the target receives (not a note in parentheses or "only in …"). */
const deliveringCell = (cell: string) => !skippedCell(cell) && !/^(\(|only |not )/.test(cell);

/** A row's event names as patterns: `message.create.<type>.<type>` matches any topic of that shape. */
function eventPatterns(cell: string): RegExp[] {
  return [...cell.matchAll(/`([a-z_.<>*]+)`/g)]
    .map((m) => m[1] ?? "")
    .filter((name) => /^[a-z_]+([._][a-z_<>*]+)*$/.test(name))
    .map(
      (name) =>
        new RegExp(
          `^${name
            .replace(/\./g, "\\.")
            .replace(/<[a-z ]+>/g, "[a-z_]+")
            .replace(/\*/g, "[a-z_.]+")}$`,
        ),
    );
}

/** The source event of one outcome as its list reads it (a Support Hunt event is one batch element). */
const payloadOf = (o: Outcome): unknown =>
  o.fixture.startsWith("supporthunt/") ? { events: [o.source.payload] } : o.source.payload;

async function checkNoCanonical(t: Table, row: Row, name: string) {
  expect(
    outcomes.filter((o) => o.fixture === name),
    `${name}: no canonical event`,
  ).toHaveLength(0);
  const fixture = fixtures.find((f) => `${f.format}/${f.name}` === name);
  for (const target of columns.flat()) {
    const result = await translate(fixture?.format ?? "", target, fixture?.body);
    expect(result.ok, `${name} → ${target}`).toBe(true);
    if (!result.ok) continue;
    expect(result.value.deliveries, `${t.list} \`${row.value}\` → ${target}: nothing`).toHaveLength(
      0,
    );
    expect(result.value.skipped.length, `${name} → ${target}: reported skipped`).toBeGreaterThan(0);
  }
}

function checkColumns(t: Table, row: Row, o: Outcome) {
  columns.forEach((targets, i) => {
    const cell = row.cells[i + 1] ?? "";
    for (const target of targets) {
      const label = `${o.fixture} \`${row.value}\` → ${target}`;
      if (skippedCell(cell)) {
        expect(o.out[target], `${label}: skipped, as the table says`).toHaveLength(0);
        expect(o.skipped[target].length, `${label}: reported skipped`).toBeGreaterThan(0);
        continue;
      }
      if (!deliveringCell(cell)) continue;
      expect(o.out[target].length, `${label}: delivered, as the table says`).toBeGreaterThan(0);
      if (eventLists[t.source] !== t.list) continue;
      const same = /^the same (event|topic)/.test(cell);
      const patterns = eventPatterns(cell);
      for (const d of o.out[target]) {
        if (same) expect(d.event, label).toBe(o.source.name);
        else if (patterns.length > 0)
          expect(
            patterns.some((p) => p.test(d.event)),
            `${label}: ${d.event} is one of ${cell}`,
          ).toBe(true);
      }
    }
  });
}

describe.each(coverageTables())("$source / $list", (t) => {
  it.each(t.rows)("`$value` keeps its meaning in every target", async (row) => {
    expect(meaningOf(t) ?? eventLists[t.source] === t.list, "a meaning to check").toBeTruthy();
    let read = 0;
    for (const name of row.fixtures) {
      if (row.cells[0]?.startsWith("(none)")) {
        await checkNoCanonical(t, row, name);
        read++;
        continue;
      }
      const offWire = row.cells[0]?.startsWith("not on the wire");
      const carrying = outcomes.filter(
        (o) =>
          o.fixture === name &&
          (offWire || valuesIn(t.source, t.list, payloadOf(o)).includes(row.value)),
      );
      expect(
        carrying.length,
        `${name} translates an event that carries \`${row.value}\``,
      ).toBeGreaterThan(0);
      for (const o of carrying) {
        read++;
        checkColumns(t, row, o);
        meaningOf(t)?.(row.value, o);
      }
    }
    expect(read).toBeGreaterThan(0);
  });
});
