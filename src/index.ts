import { app } from "./app.ts";
import type { Env } from "./config/env.ts";
import { DEFAULT_RETENTION_DAYS, loadConfig } from "./config/index.ts";
import { log } from "./config/log.ts";
import { sendDigests } from "./coordinate/index.ts";
import { handleBatch } from "./deliver/consumer.ts";
import type { DeliveryMessage } from "./enqueue/index.ts";
import { sweepAll, sweepSoon } from "./enqueue/sweep.ts";
import { prune } from "./storage/index.ts";

export { ConversationLines } from "./coordinate/lines.ts";
export { RouteGate } from "./coordinate/route-gate.ts";
export { EventIndex } from "./store/event-index.ts";
export { EventStore } from "./store/event-store.ts";

/** The minute of the hour at which the cron trigger also prunes (wrangler.toml runs it every minute). */
const PRUNE_MINUTE = 23;

async function housekeeping(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const requeued = await sweepAll(env);
  if (requeued > 0) log("warn", "outbox swept", { cron: controller.cron, requeued });
  const alerting = loadConfig(env);
  if (alerting.ok) await sendDigests(env, alerting.config, (work) => ctx.waitUntil(work));
  // Every minute sweeps; once an hour (or when triggered by hand with another cron) also prunes.
  const minute = new Date(controller.scheduledTime).getUTCMinutes();
  if (controller.cron === "* * * * *" && minute !== PRUNE_MINUTE) return;
  const config = loadConfig(env);
  const days = (config.ok && config.config.settings.retentionDays) || DEFAULT_RETENTION_DAYS;
  const pruned = await prune(env.DB, undefined, days * 24 * 60 * 60);
  log("info", "pruned", { cron: controller.cron, ...pruned });
}

export default {
  /** HTTP routes (src/app.ts); each request may also start an outbox sweep in the background. */
  fetch: (request, env, ctx) => {
    sweepSoon(env, ctx);
    return app.fetch(request, env, ctx);
  },
  /** Queue consumer: deliveries (and their dead-letter queue), see src/deliver/consumer.ts. */
  queue: (batch, env, ctx) => handleBatch(batch, env, ctx),
  /** Cron trigger (wrangler.toml `[triggers]`): the outbox sweep; hourly, expired keys and old events. */
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(
      housekeeping(controller, env, ctx).catch((error) => {
        log("error", "housekeeping failed", { error: String(error).slice(0, 300) });
        throw error;
      }),
    ),
} satisfies ExportedHandler<Env, DeliveryMessage>;
