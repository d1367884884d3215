/**
 * The operational events (issue 27): what an operator is told, as JSON (`ALERTS_FORMAT=json`,
 * documented in OpenAPI) or as a Slack incoming-webhook message (`slack`: `text` plus `blocks`).
 */
import type { AlertFormat } from "../config/alerts.ts";

export type AlertType = "route.failing" | "route.recovered" | "route.paused" | "deliveries.dead";

export const ALERT_TYPES: readonly AlertType[] = [
  "route.failing",
  "route.recovered",
  "route.paused",
  "deliveries.dead",
];

/** What each type carries in `data`. */
export interface AlertData {
  "route.failing": {
    /** Failed attempts in a row so far. */
    failures: number;
    /** Why it is raised: attempts in a row, or the circuit breaker opened (issue 26). */
    reason: "attempts" | "breaker";
    /** The last answers (0: none, a network error or timeout), oldest first. */
    lastStatuses: number[];
    lastErrors: string[];
    /** When the first failure of this run happened (ISO 8601). */
    failingSince: string;
    /** Deliveries (event, route) that failed at least once in this run. */
    eventsAffected: number;
  };
  "route.recovered": { failingSince: string; failures: number; eventsAffected: number };
  "route.paused": {
    by: "operator" | "automatic";
    pausedAt: string;
    /** Deliveries held by the route at that moment; new ones are held until it is resumed. */
    held: number;
    /** An automatic pause: when the failure started. */
    failingSince?: string;
  };
  "deliveries.dead": {
    /** Dead letters made since the previous alert of this type (the first one: 1). */
    count: number;
    /** The first of them (ISO 8601). */
    since: string;
    /** The console filtered on this route's dead letters. */
    deadLettersUrl: string;
  };
}

export type AlertEvent = {
  [T in AlertType]: {
    /** Unique per alert; also the Standard Webhooks `webhook-id`. */
    id: string;
    type: T;
    time: string;
    route: string;
    /** The console, on this route. */
    consoleUrl: string;
    data: AlertData[T];
  };
}[AlertType];

/** Builds an alert with a new id. @example alertOf("route.recovered", "crm", base, data, now) */
export function alertOf<T extends AlertType>(
  type: T,
  route: string,
  consoleUrl: string,
  data: AlertData[T],
  now: number,
): AlertEvent {
  return {
    id: `alert_${crypto.randomUUID().replaceAll("-", "")}`,
    type,
    time: new Date(now).toISOString(),
    route,
    consoleUrl: `${consoleUrl}?route=${encodeURIComponent(route)}`,
    data,
  } as AlertEvent;
}

/** One line a person reads (the Slack `text`, also the notification's fallback). */
export function summary(alert: AlertEvent): string {
  const r = `Route ${alert.route}`;
  switch (alert.type) {
    case "route.failing":
      return alert.data.reason === "breaker"
        ? `${r} is failing: its circuit breaker opened (since ${alert.data.failingSince})`
        : `${r} is failing: ${alert.data.failures} attempts in a row failed since ${alert.data.failingSince}, ${alert.data.eventsAffected} event(s) affected`;
    case "route.recovered":
      return `${r} recovered after ${alert.data.failures} failed attempts (failing since ${alert.data.failingSince})`;
    case "route.paused":
      return alert.data.by === "automatic"
        ? `${r} was paused automatically: failing since ${alert.data.failingSince}; ${alert.data.held} held, new events are held until it is resumed`
        : `${r} was paused by an operator; ${alert.data.held} held, new events are held until it is resumed`;
    case "deliveries.dead":
      return `${r}: ${alert.data.count} new dead letter(s) since ${alert.data.since}`;
  }
}

/** Escapes text for Slack's mrkdwn (`&`, `<`, `>`). */
const mrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * The body POSTed for an alert: the event itself (`json`) or a Slack message (`slack`): `text`
 * plus a section block with the summary and the details, and a link to the console.
 *
 * @example alertBody(alert, "slack") // '{"text":"Route crm is failing: ...","blocks":[...]}'
 */
export function alertBody(alert: AlertEvent, format: AlertFormat): string {
  if (format === "json") return JSON.stringify(alert);
  const text = summary(alert);
  const link = alert.type === "deliveries.dead" ? alert.data.deadLettersUrl : alert.consoleUrl;
  const details =
    alert.type === "route.failing" && alert.data.lastErrors.length > 0
      ? `\nLast errors: ${alert.data.lastErrors.map((e) => `\`${mrkdwn(e.slice(0, 120))}\``).join(", ")}`
      : "";
  return JSON.stringify({
    text,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${alert.type}*: ${mrkdwn(text)}${details}` },
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `<${mrkdwn(link)}|Open the console> · alert ${alert.id}` },
        ],
      },
    ],
  });
}
