// The delivery console's script (served as /console/app.js). Plain DOM, no framework. Every value
// from the API is shown with textContent or as an SVG attribute, never parsed as HTML, so a
// payload holding markup or script shows as text. The token lives in sessionStorage only.
// Every view is read again from the API after each action and every few seconds while the page
// is visible (see `refresh`), so what it shows is what the API says.
import { drawChart } from "./chart.js";

const KEY = "webhook-translator.admin-token";
const $ = (selector) => document.querySelector(selector);
let cursor;
/** True once "More" loaded a second page: the self-refresh then leaves the event list alone. */
let morePages = false;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "onclick") {
      node.addEventListener("click", () =>
        Promise.resolve(value()).catch((error) => {
          if (error.message !== "unauthorized") say(error.message, true);
        }),
      );
    } else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null) {
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
  }
  return node;
}

function say(text, isError = false) {
  const status = $("#status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

/** Calls the admin API; a 401 signs out. */
async function api(path, init = {}) {
  const token = sessionStorage.getItem(KEY);
  const response = await fetch(path, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(init.body ? { "Content-Type": "application/json" } : {}),
    },
  });
  if (response.status === 401) {
    signOut("The token was refused: sign in again.");
    throw new Error("unauthorized");
  }
  const body = response.status === 204 ? {} : await response.json();
  if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
  return body;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const badge = (status, text) => el("span", { class: `badge s-${status}` }, text || status);

function signOut(message) {
  sessionStorage.removeItem(KEY);
  $("#app").hidden = true;
  $("#logout").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message || "";
  clearTimeout(timer);
}

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  await Promise.all([loadRoutes(), loadEvents(false), loadChart()]);
  schedule();
}

// ---- routes ----
async function loadRoutes() {
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
        el("td", {}, route.name),
        el("td", {}, route.target),
        el(
          "td",
          {},
          route.paused ? badge("paused", `paused since ${when(route.pausedAt)}`) : "active",
          route.ordered ? " " : undefined,
          route.ordered ? badge("waiting", `ordered: ${route.waiting ?? 0} waiting`) : undefined,
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
async function loadConversations(name) {
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

// ---- events ----
function filterQuery() {
  const form = new FormData($("#filters"));
  const query = new URLSearchParams({ limit: "50" });
  for (const name of ["source", "route", "status"])
    if (form.get(name)) query.set(name, form.get(name));
  if (form.get("since")) query.set("since", new Date(form.get("since")).toISOString());
  return query;
}

async function loadEvents(more, quiet = false) {
  morePages = more;
  const query = filterQuery();
  if (more && cursor) query.set("cursor", cursor);
  const page = await api(`/events?${query}`);
  const body = $("#events tbody");
  if (!more) body.replaceChildren();
  for (const event of page.events) {
    const selected = !$("#detail").hidden && $("#detail").dataset.id === event.id;
    const deliveries = el("td");
    for (const d of event.deliveries) {
      deliveries.append(
        badge(d.status, `${d.route}: ${d.status}${d.lastStatus ? ` (${d.lastStatus})` : ""}`),
      );
    }
    body.append(
      el(
        "tr",
        {
          class: selected ? "event selected" : "event",
          "data-id": event.id,
          onclick: () => openEvent(event.id),
        },
        el("td", {}, when(event.receivedAt)),
        el("td", {}, event.source),
        el("td", {}, event.event),
        deliveries,
      ),
    );
  }
  cursor = page.next;
  $("#more").hidden = !page.next;
  if (!more && !quiet) say(`${page.events.length}${page.next ? "+" : ""} event(s).`);
}

async function openEvent(id, quiet = false) {
  const event = await api(`/events/${encodeURIComponent(id)}`);
  for (const row of document.querySelectorAll("#events tr.selected"))
    row.classList.remove("selected");
  document.querySelector(`#events tr[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
  $("#detail").hidden = false;
  $("#detail").dataset.id = id;
  $("#detail-id").textContent = id;
  $("#detail-facts").textContent =
    `${event.source} · ${event.event} · received ${when(event.receivedAt)}`;
  $("#detail-payload").textContent = JSON.stringify(event.payload, null, 2);
  const routes = $("#detail-routes");
  routes.replaceChildren();
  for (const route of event.deliveries) {
    const attempts = el("tbody");
    for (const a of route.history) {
      attempts.append(
        el(
          "tr",
          { class: "attempt" },
          el("td", {}, when(a.at)),
          el("td", { class: "attempt-status" }, a.status ?? "no answer"),
          el("td", {}, `${a.durationMs} ms`),
          el("td", {}, a.error ?? ""),
        ),
      );
    }
    if (route.history.length === 0)
      attempts.append(el("tr", {}, el("td", { colspan: "4" }, "No attempt yet.")));
    routes.append(
      el(
        "div",
        { class: "route", "data-route": route.route },
        el("h3", {}, `Route ${route.route} → ${route.target ?? "?"} `, badge(route.status)),
        el(
          "button",
          { type: "button", class: "replay-route", onclick: () => replay(id, route.route) },
          `Replay to ${route.route}`,
        ),
        el(
          "table",
          {},
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              el("th", {}, "At"),
              el("th", {}, "Status"),
              el("th", {}, "Duration"),
              el("th", {}, "Error"),
            ),
          ),
          attempts,
        ),
        el("h3", {}, "Translation (current mappings)"),
        el("pre", { class: "translation" }, JSON.stringify(route.translation, null, 2)),
      ),
    );
  }
  if (!quiet) $("#detail").scrollIntoView({ block: "nearest" });
}

async function replay(id, route) {
  const { replayed } = await api(`/events/${encodeURIComponent(id)}/replay`, {
    method: "POST",
    body: JSON.stringify(route ? { route } : {}),
  });
  say(`Replayed to ${replayed} route(s): it is queued and will be delivered.`);
  await refresh();
}

// ---- chart ----
async function loadChart() {
  $("#chart").replaceChildren(...drawChart(await api("/activity")));
}

// ---- refresh: after every action, and every few seconds while the page is visible ----
const REFRESH_MS = 5000;
let timer;

/** Reads every view again: routes, the events (first page, same filters), the chart, the open event. */
async function refresh() {
  const open = $("#detail").hidden ? undefined : $("#detail").dataset.id;
  const conversations = $("#conversations").hidden
    ? undefined
    : $("#conversations-route").textContent;
  await Promise.all([
    loadRoutes(),
    morePages ? undefined : loadEvents(false, true),
    loadChart(),
    open ? openEvent(open, true) : undefined,
    conversations ? loadConversations(conversations) : undefined,
  ]);
}

function schedule() {
  clearTimeout(timer);
  if (document.hidden || $("#app").hidden) return;
  timer = setTimeout(
    () =>
      refresh()
        .catch((error) => {
          if (error.message !== "unauthorized") say(error.message, true);
        })
        .finally(schedule),
    REFRESH_MS,
  );
}

// ---- wiring ----
document.addEventListener("DOMContentLoaded", () => {
  $("#login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = new FormData(event.target).get("token");
    sessionStorage.setItem(KEY, token);
    try {
      await start();
    } catch (error) {
      if (error.message !== "unauthorized") say(error.message, true);
    }
  });
  $("#logout").addEventListener("click", () => signOut("Signed out."));
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    Promise.all([loadEvents(false), loadRoutes(), loadChart()]).catch((error) =>
      say(error.message, true),
    );
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || $("#app").hidden) clearTimeout(timer);
    else
      refresh()
        .catch((error) => say(error.message, true))
        .finally(schedule);
  });
  $("#more").addEventListener("click", () =>
    loadEvents(true).catch((error) => say(error.message, true)),
  );
  $("#replay-event").addEventListener("click", () =>
    replay($("#detail").dataset.id).catch((error) => say(error.message, true)),
  );
  if (sessionStorage.getItem(KEY)) start().catch((error) => say(error.message, true));
  else signOut();
});
