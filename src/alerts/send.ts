/**
 * Sending alerts to `ALERTS_URL`: signed with Standard Webhooks (`ALERTS_SECRET`), a few attempts
 * with a short backoff, every failure logged. Callers run it in the background
 * (`ctx.waitUntil`): an alert never delays a delivery.
 */
import type { AlertSettings } from "../config/alerts.ts";
import { log } from "../config/log.ts";
import { standardSignature } from "../crypto/index.ts";
import { USER_AGENT } from "../deliver/index.ts";
import { sendOnce } from "../deliver/send.ts";
import { type AlertEvent, alertBody } from "./events.ts";

/** Attempts per alert, and the wait before each retry (ms). */
export const ALERT_ATTEMPTS = 3;
const ALERT_BACKOFF_MS = [1_000, 4_000];
/** One attempt's deadline (ms). */
const ALERT_TIMEOUT_MS = 5_000;

/**
 * POSTs each alert (in order) to `ALERTS_URL`; logs each one, and each failed attempt. Never
 * throws. Returns how many were accepted (2xx). Nothing is sent when `ALERTS_URL` is unset.
 *
 * @example ctx.waitUntil(sendAlerts(config.alerts, alerts));
 */
export async function sendAlerts(
  settings: AlertSettings,
  alerts: readonly AlertEvent[],
  wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<number> {
  let sent = 0;
  for (const alert of alerts) {
    log("warn", "alert", { alert: alert.id, type: alert.type, route: alert.route });
    const url = settings.url;
    if (!url) continue;
    for (let attempt = 1; attempt <= ALERT_ATTEMPTS; attempt++) {
      const status = await postAlert(url, settings, alert);
      if (status >= 200 && status < 300) {
        sent++;
        break;
      }
      log("error", "alert not accepted", {
        alert: alert.id,
        type: alert.type,
        route: alert.route,
        attempt,
        status,
        ...(attempt < ALERT_ATTEMPTS ? {} : { gaveUp: true }),
      });
      const delay = ALERT_BACKOFF_MS[attempt - 1];
      if (delay !== undefined && attempt < ALERT_ATTEMPTS) await wait(delay);
    }
  }
  return sent;
}

/** One attempt: the HTTP status, 0 for no answer. */
async function postAlert(url: string, settings: AlertSettings, alert: AlertEvent): Promise<number> {
  const body = alertBody(alert, settings.format);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "webhook-id": alert.id,
    "webhook-timestamp": String(timestamp),
  };
  if (settings.keys.length > 0) {
    headers["webhook-signature"] = await standardSignature(settings.keys, {
      id: alert.id,
      timestamp,
      body,
    });
  }
  const sent = await sendOnce(url, new Headers(headers), body, ALERT_TIMEOUT_MS, () => 0);
  return sent.status;
}
