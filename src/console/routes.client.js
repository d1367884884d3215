// The console's routes panel (served as /console/routes.js): the table, pause and resume, bulk
// replay of dead letters, test sends, an ordered route's conversations.

import { openEvent, refresh } from "./app.js";
import { $, api, badge, el, say, when } from "./ui.js";

// ---- routes ----
/** A route's alert state and its last alerts (GET /routes `alerts`). */
function alertsOf(route) {
  const alerts = route.alerts;
  if (!alerts) return undefined;
  const state =
    alerts.state === "failing"
      ? badge("dead", `failing: ${alerts.failures} in a row since ${when(alerts.failingSince)}`)
      : undefined;
  const recent = alerts.recent
    .slice(0, 3)
    .map((alert) =>
      el(
        "div",
        { class: "note alert", title: alert.id },
        `${when(alert.time)} ${alert.type}: ${alert.summary}`,
      ),
    );
  return el("div", { class: "alerts" }, state, ...recent);
}

/** A route's circuit breaker when not closed (GET /routes `circuit`). */
function circuitOf(route) {
  const circuit = route.circuit;
  if (!circuit || circuit.state === "closed") return undefined;
  const text =
    circuit.state === "open"
      ? `circuit open until ${when(circuit.openUntil)} (${circuit.failures} failures)`
      : `circuit half-open: probing (${circuit.failures} failures)`;
  return el(
    "div",
    { class: "circuit" },
    badge("dead", text),
    circuit.lastError ? el("div", { class: "note" }, circuit.lastError) : undefined,
  );
}

export async function loadRoutes() {
  const { routes } = await api("/routes");
  const body = $("#routes tbody");
  body.replaceChildren();
  const select = $("#filters select[name=route]");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "any"));
  for (const route of routes) {
    select.append(el("option", { value: route.name }, route.name));
    const counts = el("td");
    for (const [status, n] of Object.entries(route.counts))
      counts.append(badge(status, `${status} ${n}`));
    const action = route.paused ? "resume" : "pause";
    body.append(
      el(
        "tr",
        { "data-route": route.name },
        el(
          "td",
          {},
          route.name,
          route.where ? el("div", { class: "note" }, `where ${route.where}`) : undefined,
          route.headers
            ? el("div", { class: "note" }, `headers: ${route.headers.join(", ")}`)
            : undefined,
        ),
        el("td", {}, route.target),
        el(
          "td",
          {},
          route.paused ? badge("paused", `paused since ${when(route.pausedAt)}`) : "active",
          route.ordered ? " " : undefined,
          route.ordered ? badge("waiting", `ordered: ${route.waiting ?? 0} waiting`) : undefined,
          route.pausedBy === "automatic"
            ? el("div", { class: "note" }, "paused automatically")
            : undefined,
          circuitOf(route),
          alertsOf(route),
        ),
        el("td", {}, route.held),
        el("td", {}, route.maxPerSecond ? `${route.maxPerSecond}/s` : "none"),
        counts,
        el(
          "td",
          {},
          el(
            "button",
            { type: "button", class: action, onclick: () => pauseOrResume(route.name, action) },
            action === "pause" ? "Pause" : "Resume",
          ),
          " ",
          el(
            "button",
            { type: "button", class: "replay-dead", onclick: () => replayDead(route.name) },
            "Replay dead letters",
          ),
          " ",
          el(
            "button",
            { type: "button", class: "test-send", onclick: () => testSend(route.name) },
            "Send test",
          ),
          route.ordered ? " " : undefined,
          route.ordered
            ? el(
                "button",
                {
                  type: "button",
                  class: "conversations",
                  onclick: () => loadConversations(route.name),
                },
                "Conversations",
              )
            : undefined,
        ),
      ),
    );
  }
  select.value = chosen;
}

async function pauseOrResume(name, action) {
  if (
    action === "pause" &&
    !confirm(
      `Pause route ${name}? Nothing is posted to it until you resume it; events keep being accepted and are held.`,
    )
  )
    return;
  const state = await api(`/routes/${encodeURIComponent(name)}/${action}`, { method: "POST" });
  say(
    `Route ${name} ${state.paused ? "paused" : "resumed"}${state.held ? ` (${state.held} held)` : ""}.`,
  );
  await refresh();
}

/** POST /routes/:name/test: a sample sent to the destination; its answer shown. */
async function testSend(name) {
  say(`Sending a test to ${name}…`);
  const result = await api(`/routes/${encodeURIComponent(name)}/test`, {
    method: "POST",
    body: JSON.stringify({ sample: "message" }),
  });
  const answer = result.error ?? result.answer.slice(0, 200);
  say(
    `Test to ${name}: ${result.status ? `HTTP ${result.status}` : "no answer"} in ${result.durationMs} ms${answer ? `: ${answer}` : ""}`,
    result.status < 200 || result.status > 299,
  );
}

/** An ordered route's conversations with events in line: what each one waits on. */
export async function loadConversations(name) {
  const { total, conversations } = await api(`/routes/${encodeURIComponent(name)}/conversations`);
  $("#conversations").hidden = false;
  $("#conversations-route").textContent = name;
  $("#conversations-total").textContent =
    total === 0
      ? "No conversation is waiting: every event of this route is settled."
      : `${total} conversation(s) with events not yet delivered${total > conversations.length ? ` (the ${conversations.length} waiting longest shown)` : ""}.`;
  const body = $("#conversations tbody");
  body.replaceChildren();
  for (const line of conversations) {
    const head = line.head;
    body.append(
      el(
        "tr",
        {},
        el("td", {}, line.conversation),
        el(
          "td",
          {},
          el(
            "button",
            { type: "button", class: "head-event", onclick: () => openEvent(head.event) },
            head.name || head.event,
          ),
        ),
        el("td", {}, head.status ? badge(head.status) : ""),
        el("td", {}, head.attempts),
        el("td", {}, head.lastError || ""),
        el("td", {}, when(head.nextTry)),
        el("td", {}, line.waiting),
        el("td", {}, when(line.headSince)),
      ),
    );
  }
}

async function replayDead(route) {
  if (!confirm(`Replay every dead letter of route ${route}? Each one is delivered again.`)) return;
  const { replayed } = await api("/deadletters/replay", {
    method: "POST",
    body: JSON.stringify({ route }),
  });
  say(`${replayed} dead letter(s) of ${route} queued again.`);
  await refresh();
}
