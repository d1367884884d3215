/**
 * The alert events (`ALERTS_FORMAT=json`) as OpenAPI components (`AlertEvent` and one schema per
 * type), so /docs and /openapi.json describe what `ALERTS_URL` receives. Kept in step with
 * events.ts by the type check below.
 */
import { z } from "@hono/zod-openapi";
import type { AlertEvent } from "./events.ts";

const iso = (description: string) => z.string().openapi({ description, format: "date-time" });

const common = {
  id: z.string().openapi({
    description: "Unique per alert; also the `webhook-id` header",
    example: "alert_6f1c…",
  }),
  time: iso("When it was raised"),
  route: z.string().openapi({ example: "crm" }),
  consoleUrl: z
    .string()
    .openapi({ description: "The console on this route (`ALERTS_CONSOLE_URL`)" }),
};

const failing = z
  .object({
    ...common,
    type: z.literal("route.failing"),
    data: z.object({
      failures: z.number().openapi({ description: "Failed attempts in a row" }),
      reason: z.enum(["attempts", "breaker"]).openapi({
        description:
          "`failingAfter` attempts failed in a row, or the route's circuit breaker opened",
      }),
      lastStatuses: z
        .array(z.number())
        .openapi({ description: "The last answers, oldest first (0: none)" }),
      lastErrors: z.array(z.string()),
      failingSince: iso("The first failure of this run"),
      eventsAffected: z
        .number()
        .openapi({ description: "Deliveries whose first attempt failed in this run" }),
    }),
  })
  .openapi("RouteFailingAlert");

const recovered = z
  .object({
    ...common,
    type: z.literal("route.recovered"),
    data: z.object({
      failingSince: iso("When the failure began"),
      failures: z.number(),
      eventsAffected: z.number(),
    }),
  })
  .openapi("RouteRecoveredAlert");

const paused = z
  .object({
    ...common,
    type: z.literal("route.paused"),
    data: z.object({
      by: z.enum(["operator", "automatic"]).openapi({
        description:
          "An operator, or `pauseAfterMinutes` of continuous failure; the route holds its events until resumed",
      }),
      pausedAt: iso("When it was paused"),
      held: z.number().openapi({ description: "Deliveries held at that moment" }),
      failingSince: iso("An automatic pause: when the failure began").optional(),
    }),
  })
  .openapi("RoutePausedAlert");

const dead = z
  .object({
    ...common,
    type: z.literal("deliveries.dead"),
    data: z.object({
      count: z.number().openapi({
        description:
          "Dead letters since the previous alert of this type (at most one per route per 5 minutes)",
      }),
      since: iso("The first of them"),
      deadLettersUrl: z
        .string()
        .openapi({ description: "The console filtered on the route's dead letters" }),
    }),
  })
  .openapi("DeliveriesDeadAlert");

export const AlertEventSchema = z
  .discriminatedUnion("type", [failing, recovered, paused, dead])
  .openapi("AlertEvent", {
    description:
      "What ALERTS_URL receives (ALERTS_FORMAT=json), signed with Standard Webhooks (ALERTS_SECRET). With ALERTS_FORMAT=slack, a Slack message (`text` plus `blocks`) instead.",
  });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type AlertSchemaMatches = Same<z.infer<typeof AlertEventSchema>["type"], AlertEvent["type"]>;
const _check: AlertSchemaMatches = true;
void _check;
