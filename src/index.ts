import { app } from "./app.ts";
import type { Env } from "./config/env.ts";
import { DEFAULT_RETENTION_DAYS, loadConfig } from "./config/index.ts";
import { log } from "./config/log.ts";
import { sendDigests } from "./coordinate/index.ts";
import { handleBatch } from "./deliver/consumer.ts";
import type { DeliveryMessage } from "./enqueue/index.ts";
import { sweepAll, sweepSoon } from "./enqueue/sweep.ts";
import { prune } from "./storage/index.ts";

export { RouteGate } from "./coordinate/route-gate.ts";
export { EventIndex } from "./store/event-index.ts";
export { EventStore } from "./store/event-store.ts";

/**
 * The minute of the hour at which the cron trigger also sweeps every shard (wrangler.toml runs
 * it every minute).
 */
const SWEEP_MINUTE = 23;

/**
 * Every minute: the dead-letter digests. Each shard sweeps and prunes itself from its alarm
 * (src/store/event-store.ts); once an hour (or when triggered by hand with another cron) the
 * cron also sweeps every shard, which re-arms an alarm that was lost, and prunes what is left of
 * the D1 store from before the upgrade (dead letters are kept until deleted).
 */
async function housekeeping(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const config = loadConfig(env);
  if (config.ok) await sendDigests(env, config.config, (work) => ctx.waitUntil(work));
  const minute = new Date(controller.scheduledTime).getUTCMinutes();
  if (controller.cron === "* * * * *" && minute !== SWEEP_MINUTE) return;
  const requeued = await sweepAll(env);
  if (requeued > 0) log("warn", "outbox swept", { cron: controller.cron, requeued });
  const days = (config.ok && config.config.settings.retentionDays) || DEFAULT_RETENTION_DAYS;
  const pruned = await prune(env.DB, undefined, days * 24 * 60 * 60);
  log("info", "pruned", { cron: controller.cron, ...pruned });
}

export default {
  /** HTTP routes (src/app.ts); an isolate's first request, locally, sweeps in the background. */
  fetch: (request, env, ctx) => {
    sweepSoon(env, ctx);
    return app.fetch(request, env, ctx);
  },
  /** Queue consumer: deliveries (and their dead-letter queue), see src/deliver/consumer.ts. */
  queue: (batch, env, ctx) => handleBatch(batch, env, ctx),
  /** Cron trigger (wrangler.toml `[triggers]`): digests; hourly, a sweep of every shard. */
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(
      housekeeping(controller, env, ctx).catch((error) => {
        log("error", "housekeeping failed", { error: String(error).slice(0, 300) });
        throw error;
      }),
    ),
} satisfies ExportedHandler<Env, DeliveryMessage>;
