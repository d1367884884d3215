import { app } from "./app.ts";
import type { Env } from "./config/env.ts";
import { handleBatch } from "./deliver/index.ts";
import type { DeliveryMessage } from "./enqueue/index.ts";

export default {
  fetch: app.fetch,
  /** Queue consumer: deliveries (and their dead-letter queue), see src/deliver. */
  queue: (batch, env, ctx) => handleBatch(batch, env, ctx),
} satisfies ExportedHandler<Env, DeliveryMessage>;
