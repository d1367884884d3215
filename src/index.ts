import { app } from "./app.ts";
import type { Env } from "./config/env.ts";
import { log } from "./config/log.ts";
import { handleBatch } from "./deliver/index.ts";
import type { DeliveryMessage } from "./enqueue/index.ts";
import { prune } from "./storage/index.ts";

export { RouteGate } from "./coordinate/route-gate.ts";

export default {
  fetch: app.fetch,
  /** Queue consumer: deliveries (and their dead-letter queue), see src/deliver. */
  queue: (batch, env) => handleBatch(batch, env),
  /** Cron trigger (wrangler.toml `[triggers]`): drops expired dedupe keys and old events. */
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(
      prune(env.DB).then(
        (pruned) => log("info", "pruned", { cron: controller.cron, ...pruned }),
        (error) => {
          log("error", "prune failed", { error: String(error).slice(0, 300) });
          throw error;
        },
      ),
    ),
} satisfies ExportedHandler<Env, DeliveryMessage>;
