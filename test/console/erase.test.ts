/**
 * DELETE /events/:id: an event erased on request leaves nothing it held in any table (payload,
 * dead letters, destination answers, dedupe keys), keeps that it existed and was erased, and is
 * never delivered afterwards. Real local shards (Durable Objects), D1 (dead letters, the dev
 * sink, erasures) and the local destination server.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { parseEventId, shardStub } from "../../src/store/index.ts";
import { call, consume, destination, received, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

const auth = { Authorization: "Bearer admin-token" };

/** The rows of a table in the shard that holds event `id`. */
function shardRows(
  env: Env,
  id: string,
  sql: string,
): Promise<Array<Record<string, SqlStorageValue>>> {
  const ref = parseEventId(id);
  if (!ref) throw new Error(`not an event id: ${id}`);
  return runInDurableObject(shardStub(env, ref.shard), (_, state) =>
    state.storage.sql.exec<Record<string, SqlStorageValue>>(sql, ref.seq).toArray(),
  );
}

/** Every row of every table (the event's shard, and D1) that mentions `text`, as "table: row". */
async function rowsMentioning(env: Env, id: string, text: string): Promise<string[]> {
  const found: string[] = [];
  const note = (table: string, rows: unknown[]) => {
    for (const row of rows) {
      if (JSON.stringify(row).includes(text))
        found.push(`${table}: ${JSON.stringify(row).slice(0, 200)}`);
    }
  };
  for (const [table, sql] of [
    ["shard events", "SELECT * FROM events WHERE seq = ?1"],
    ["shard deliveries", "SELECT * FROM deliveries WHERE event_seq = ?1"],
    ["shard attempts", "SELECT * FROM attempts WHERE event_seq = ?1"],
  ] as const) {
    note(table, await shardRows(env, id, sql));
  }
  for (const table of ["dead_letters", "sink", "erasures"]) {
    note(table, (await env.DB.prepare(`SELECT * FROM ${table}`).all()).results);
  }
  return found;
}

describe("DELETE /events/:id", () => {
  it("erases the payload, dead letters and answers everywhere, keeps that it was, delivers nothing more", async () => {
    const refusing = destination("400");
    const later = destination("200");
    const [a, b] = [unique("a").slice(0, 20), unique("b").slice(0, 20)];
    const env = testEnv({
      ADMIN_TOKEN: "admin-token",
      ROUTES: JSON.stringify([
        { name: a, sources: ["chatwoot"], target: "dotted", url: refusing.url },
        { name: b, sources: ["chatwoot"], target: "dotted", url: later.url },
      ]),
    });
    const marker = unique("private-");
    const delivery = unique("d");
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify({ ...chatwootMessage, content: `my address is ${marker}` }),
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    const id = ((await response.json()) as { accepted: string[] }).accepted[0] ?? "";
    const toA: DeliveryMessage = { v: 1, event: id, route: a };
    await consume(env, [toA]); // refused: a dead letter holding the payload
    expect((await rowsMentioning(env, id, marker)).length).toBeGreaterThan(0);
    expect((await rowsMentioning(env, id, "step 1: 400")).length).toBeGreaterThan(0);

    const erased = await call(env, `/events/${id}`, { method: "DELETE", headers: auth });
    expect(erased.status).toBe(200);
    const body = (await erased.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id, erased: true, source: "chatwoot", event: "message_created" });

    expect(await rowsMentioning(env, id, marker)).toEqual([]);
    expect(await rowsMentioning(env, id, "step 1: 400")).toEqual([]);
    expect(await rowsMentioning(env, id, delivery)).toEqual([]);
    const detail = await call(env, `/events/${id}`, { headers: auth });
    expect(detail.status).toBe(410);
    expect(await detail.json()).toMatchObject({ error: "erased", id, erasedAt: body.erasedAt });
    // Its attempt is still there (status and time), its deliveries say where they stood.
    const routes = await shardRows(
      env,
      id,
      "SELECT route, status, last_error FROM deliveries WHERE event_seq = ?1 ORDER BY route",
    );
    expect(routes).toEqual([
      { route: a, status: "dead", last_error: null },
      { route: b, status: "erased", last_error: null },
    ]);
    const attempts = await shardRows(
      env,
      id,
      "SELECT status, error FROM attempts WHERE event_seq = ?1",
    );
    expect(attempts).toEqual([{ status: 400, error: null }]);
    // Not listed any more.
    const listed = await call(env, `/events?route=${a}`, { headers: auth });
    expect(((await listed.json()) as { events: Array<{ id: string }> }).events).toEqual([]);

    // A message still on the queue delivers nothing; a replay finds nothing to replay.
    await consume(env, [{ v: 1, event: id, route: b }]);
    expect(await received(later.key)).toEqual([]);
    const replay = await call(env, `/events/${id}/replay`, {
      method: "POST",
      headers: auth,
      json: {},
    });
    expect(replay.status).toBe(404);

    const again = await call(env, `/events/${id}`, { method: "DELETE", headers: auth });
    expect(await again.json()).toEqual(body);
  });

  it("answers 404 for an unknown id and 401 without the token", async () => {
    const env = testEnv({ ADMIN_TOKEN: "admin-token" });
    expect((await call(env, "/events/nope", { method: "DELETE", headers: auth })).status).toBe(404);
    expect((await call(env, "/events/nope", { method: "DELETE" })).status).toBe(401);
  });
});
