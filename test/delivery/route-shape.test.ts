/**
 * Shaping a route: its own `headers` (secrets by reference, never shown or logged; the headers
 * that would break signing or the protocol refused at load) and its `where` (a JSONata predicate
 * over the canonical event: checked at load, filtering by inbox on every source format).
 * Real local D1 and queue bindings, the local destination server.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import dottedMessage from "../fixtures/dotted/message-create-contact-chat/source.json";
import supporthuntBatch from "../fixtures/supporthunt/message-audio/source.json";
import { adminHealth, call, consume, destination, received, testEnv, unique } from "./helpers.ts";

const SECRET_VALUE = "crm-token-9f1c2a77d0e4";
const ADMIN = { Authorization: "Bearer admin-token" };

function routeEnv(route: Record<string, unknown>, vars: Record<string, unknown> = {}) {
  const dest = destination("200");
  const name = unique("r").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([{ name, sources: "*", target: "dotted", url: dest.url, ...route }]),
    ...vars,
  });
  return { env, name, dest };
}

async function accept(env: Env, route: string, source: string, body: unknown, headers = {}) {
  const response = await call(env, `/webhooks/${source}`, {
    text: JSON.stringify(body),
    headers,
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted.map((event): DeliveryMessage => ({ v: 1, event, route }));
}

/** One Chatwoot message with this text, as a new delivery: its queue message. */
async function chatwootSays(env: Env, route: string, content: string): Promise<DeliveryMessage> {
  const [message] = await accept(
    env,
    route,
    "chatwoot",
    { ...chatwootMessage, content },
    {
      "X-Chatwoot-Delivery": unique(),
    },
  );
  return message as DeliveryMessage;
}

async function statusOf(env: Env, id: string) {
  const response = await call(env, `/events/${id}`, { headers: ADMIN });
  const detail = (await response.json()) as {
    deliveries: Array<{ status?: string; lastError?: string }>;
  };
  return detail.deliveries[0];
}

async function errorsOf(env: Env): Promise<string[]> {
  const response = await adminHealth(env);
  expect(response.status).toBe(500);
  return ((await response.json()) as { errors: string[] }).errors;
}

afterEach(() => vi.restoreAllMocks());

describe("route headers", () => {
  it("reach the destination with secrets filled in, and are never shown or logged", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args) => lines.push(args.join(" ")));
    }
    const { env, name, dest } = routeEnv(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a route header's secret reference
      { headers: { Authorization: "Bearer ${CRM_TOKEN}", "X-Team": "team-blue-7" } },
      { CRM_TOKEN: SECRET_VALUE },
    );
    const messages = await accept(env, name, "chatwoot", chatwootMessage, {
      "X-Chatwoot-Delivery": unique(),
    });
    await consume(env, messages);
    const [request] = await received(dest.key);
    expect(request?.headers.authorization).toBe(`Bearer ${SECRET_VALUE}`);
    expect(request?.headers["x-team"]).toBe("team-blue-7");
    expect(request?.headers["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);

    const routes = await (await call(env, "/routes", { headers: ADMIN })).text();
    expect(JSON.parse(routes).routes[0].headers).toEqual(["Authorization", "X-Team"]);
    const health = await (await adminHealth(env)).text();
    expect(JSON.parse(health).routes[0].headers).toEqual(["Authorization", "X-Team"]);
    const event = await (
      await call(env, `/events/${messages[0]?.event}`, { headers: ADMIN })
    ).text();
    const list = await (await call(env, `/events?route=${name}`, { headers: ADMIN })).text();
    const page = await (await call(env, "/console", { headers: ADMIN })).text();
    for (const text of [routes, health, event, list, page, ...lines]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain("team-blue-7");
    }
  });

  it.each([
    ["Content-Type", "the Worker sets it"],
    ["content-length", "the Worker sets it"],
    ["Host", "the Worker sets it"],
    ["webhook-signature", "webhook-* headers"],
    ["Webhook-Id", "webhook-* headers"],
    ["ce-type", "ce-* headers"],
    ["X-Hub-Signature", "the dotted target's own signature"],
  ])("refuses %s at load, naming the route", async (header, why) => {
    const { env, name } = routeEnv({ headers: { [header]: "x" } });
    const errors = await errorsOf(env);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      `ROUTES[0].headers.${header} (route "${name}"): not allowed: ${why}`,
    );
    const webhook = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
    });
    expect(webhook.status).toBe(503);
  });

  it("refuses each target's own signature headers, and a secret that is not set", async () => {
    const chatwoot = routeEnv({ target: "chatwoot", headers: { "X-Chatwoot-Signature": "x" } });
    expect((await errorsOf(chatwoot.env))[0]).toContain("the chatwoot target's own signature");
    const supporthunt = routeEnv({ target: "supporthunt", headers: { Authorization: "x" } });
    expect((await errorsOf(supporthunt.env))[0]).toContain("set the route's nativeSecret instead");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a route header's secret reference
    const unset = routeEnv({ headers: { "X-Api-Key": "${NOT_SET_ANYWHERE}" } });
    expect(await errorsOf(unset.env)).toEqual([
      `ROUTES[0].headers.X-Api-Key (route "${unset.name}"): the secret env var NOT_SET_ANYWHERE it names is not set`,
    ]);
  });
});

describe("route where", () => {
  it("refuses a syntax error at load, naming the route and the column", async () => {
    const { env, name } = routeEnv({ where: "inbox.id = = 7" });
    const errors = await errorsOf(env);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^ROUTES\\[0\\]\\.where \\(route "${name}"\\): column \\d+: `),
    );
  });

  const sources: Array<[string, unknown, number, Record<string, string>]> = [
    ["chatwoot", chatwootMessage, chatwootMessage.inbox.id, { "X-Chatwoot-Delivery": unique() }],
    ["hoory", chatwootMessage, chatwootMessage.inbox.id, { "X-Chatwoot-Delivery": unique() }],
    [
      "dotted",
      {
        ...dottedMessage,
        id: crypto.randomUUID(),
        data: {
          ...dottedMessage.data,
          conversation: { ...dottedMessage.data.conversation, meta: { inboxId: 41 } },
        },
      },
      41,
      {},
    ],
  ];

  it.each(sources)(
    "filters %s events by inbox: the route's inbox is delivered, another is filtered",
    async (source, body, inbox, headers) => {
      const mine = routeEnv({ where: `inbox.id = ${inbox}` });
      const [take] = await accept(mine.env, mine.name, source, body, headers);
      await consume(mine.env, [take as DeliveryMessage]);
      expect(await received(mine.dest.key)).toHaveLength(1);
      expect((await statusOf(mine.env, take?.event ?? ""))?.status).toBe("delivered");

      const other = routeEnv({ where: `inbox.id = ${inbox + 1}` });
      const again = {
        ...headers,
        ...(source === "dotted" ? {} : { "X-Chatwoot-Delivery": unique() }),
      };
      const copy = source === "dotted" ? { ...(body as object), id: crypto.randomUUID() } : body;
      const [drop] = await accept(other.env, other.name, source, copy, again);
      await consume(other.env, [drop as DeliveryMessage]);
      expect(await received(other.dest.key)).toHaveLength(0);
      const state = await statusOf(other.env, drop?.event ?? "");
      expect(state?.status).toBe("filtered");
      expect(state?.lastError).toBe(
        `the route's where (inbox.id = ${inbox + 1}) is false for this event`,
      );
    },
  );

  it("filters Support Hunt events, which name no inbox, out of a route for one inbox", async () => {
    const byInbox = routeEnv({ where: "inbox.id = 3" });
    const messages = await accept(byInbox.env, byInbox.name, "supporthunt", supporthuntBatch);
    await consume(byInbox.env, messages);
    expect(await received(byInbox.dest.key)).toHaveLength(0);
    const noInbox = routeEnv({ where: "$not($exists(inbox))" });
    const more = await accept(noInbox.env, noInbox.name, "supporthunt", {
      ...supporthuntBatch,
      events: supporthuntBatch.events.map((e) => ({ ...e, timestamp: e.timestamp + 1 })),
    });
    await consume(noInbox.env, more);
    expect((await received(noInbox.dest.key)).length).toBeGreaterThan(0);
  });

  it("filters on message text, and dead-letters a where that fails to run", async () => {
    const refund = routeEnv({ where: '$contains(message.text, "refund")' });
    const no = await chatwootSays(refund.env, refund.name, "hello");
    const yes = await chatwootSays(refund.env, refund.name, "a refund please");
    await consume(refund.env, [no, yes]);
    const got = await received(refund.dest.key);
    expect(got).toHaveLength(1);
    expect(got[0]?.body).toContain("a refund please");

    const broken = routeEnv({ where: '$number("seven") = 7' });
    const message = await chatwootSays(broken.env, broken.name, "hello");
    await consume(broken.env, [message]);
    const state = await statusOf(broken.env, message.event);
    expect(state?.status).toBe("dead");
    expect(state?.lastError).toMatch(/^where failed: column \d+: /);
  });
});
