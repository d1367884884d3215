/**
 * DELETE /events/:id: an event erased on request leaves nothing it held in any table (payload,
 * dead letters, destination answers, dedupe keys), keeps that it existed and was erased, and is
 * never delivered afterwards. Real local D1 and the local destination server.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, destination, received, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

const auth = { Authorization: "Bearer admin-token" };

/** Every row of every table that mentions `text`, as "table: row". */
async function rowsMentioning(env: Env, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of [
    "events",
    "dead_letters",
    "attempts",
    "deliveries",
    "sink",
    "seen",
    "erasures",
  ]) {
    const { results } = await env.DB.prepare(`SELECT * FROM ${table}`).all();
    for (const row of results) {
      if (JSON.stringify(row).includes(text))
        found.push(`${table}: ${JSON.stringify(row).slice(0, 200)}`);
    }
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
    expect((await rowsMentioning(env, marker)).length).toBeGreaterThan(0);
    expect((await rowsMentioning(env, "step 1: 400")).length).toBeGreaterThan(0);

    const erased = await call(env, `/events/${id}`, { method: "DELETE", headers: auth });
    expect(erased.status).toBe(200);
    const body = (await erased.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id, erased: true, source: "chatwoot", event: "message_created" });

    expect(await rowsMentioning(env, marker)).toEqual([]);
    expect(await rowsMentioning(env, "step 1: 400")).toEqual([]);
    expect(await rowsMentioning(env, delivery)).toEqual([]);
    const detail = await call(env, `/events/${id}`, { headers: auth });
    expect(detail.status).toBe(410);
    expect(await detail.json()).toMatchObject({ error: "erased", id, erasedAt: body.erasedAt });
    // Its attempt is still counted (status and time), its deliveries say where they stood.
    const { results } = await env.DB.prepare(
      "SELECT route, status, last_error FROM deliveries WHERE event_id = ? ORDER BY route",
    )
      .bind(id)
      .all<{ route: string; status: string; last_error: string }>();
    expect(results).toEqual([
      { route: a, status: "dead", last_error: "the event was erased" },
      { route: b, status: "erased", last_error: "the event was erased" },
    ]);
    const attempts = await env.DB.prepare("SELECT status, error FROM attempts WHERE event_id = ?")
      .bind(id)
      .all();
    expect(attempts.results).toEqual([{ status: 400, error: "HTTP 400" }]);

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
