/**
 * Helpers for the outbox tests: a queue that records what the Worker sends through the real
 * local one, and an event stored with its delivery rows but never queued (the crash window).
 */
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { DEDUPE_SECONDS } from "../../src/storage/types.ts";
import { admitAll } from "../../src/store/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { unique } from "./helpers.ts";

/** The real local queue, recording what is sent through it (`sent`). */
export function recordingQueue(env: Env) {
  const sent: DeliveryMessage[] = [];
  const queue = {
    send: async (body: DeliveryMessage, options?: QueueSendOptions) => {
      sent.push(body);
      await env.DELIVERY_QUEUE.send(body, options);
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<DeliveryMessage>>) => {
      const list = [...messages];
      sent.push(...list.map((m) => m.body));
      await env.DELIVERY_QUEUE.sendBatch(list);
    },
  } as unknown as Queue<DeliveryMessage>;
  return { env: { ...env, DELIVERY_QUEUE: queue } as Env, sent };
}

/**
 * A Chatwoot message admitted (event, dedupe key and a delivery row per route committed) and
 * never sent to the queue, as when the Worker dies in between. Returns the event id.
 */
export async function storedNotQueued(env: Env, routes = ["default"]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const [admission] = await admitAll(
    env,
    [
      {
        key: `chatwoot:${unique()}`,
        source: "chatwoot",
        name: "message_created",
        payload: JSON.stringify(chatwootMessage),
      },
    ],
    routes,
    { now, dedupeSeconds: DEDUPE_SECONDS, repeatBefore: now - 20, maxRequeues: 10 },
  );
  if (!admission) throw new Error("not admitted");
  return admission.id;
}
