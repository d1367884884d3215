// The delivery console's script (served as /console/app.js). Plain DOM, no framework. Every value
// from the API is shown with textContent or as an SVG attribute, never parsed as HTML, so a
// payload holding markup or script shows as text. The token lives in sessionStorage only.
// Every view is read again from the API after each action and every few seconds while the page
// is visible (see `refresh`), so what it shows is what the API says.
import { drawChart } from "./chart.js";
import { loadConversations, loadRoutes } from "./routes.js";
import { $, api, badge, el, KEY, say, when, whenUnauthorized } from "./ui.js";

let cursor;
/** True once "More" loaded a second page: the self-refresh then leaves the event list alone. */
let morePages = false;

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
// ---- events ----
function filterQuery() {
  const form = new FormData($("#filters"));
  const query = new URLSearchParams({ limit: "50" });
  for (const name of ["source", "route", "status"])
    if (form.get(name)) query.set(name, form.get(name));
  if (form.get("since")) query.set("since", new Date(form.get("since")).toISOString());
  return query;
}

/**
 * A page of events. A page's work is bounded on the server, so with a rare filter it may hold
 * fewer events than asked and still have a `next`: up to 5 pages are read to fill one.
 */
async function readEvents(query) {
  const page = await api(`/events?${query}`);
  for (let i = 1; i < 5 && page.next && page.events.length < 50; i++) {
    query.set("cursor", page.next);
    const more = await api(`/events?${query}`);
    page.events.push(...more.events);
    page.next = more.next;
  }
  return page;
}

async function loadEvents(more, quiet = false) {
  morePages = more;
  const query = filterQuery();
  if (more && cursor) query.set("cursor", cursor);
  const page = await readEvents(query);
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

export async function openEvent(id, quiet = false) {
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
          el("td", {}, a.durationMs === undefined ? "" : `${a.durationMs} ms`),
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

/** DELETE /events/:id, once confirmed: the event's payload and answers are gone for good. */
async function erase(id) {
  if (
    !confirm(
      `Erase event ${id}? Its payload, translations and the destinations' answers are deleted for good, and deliveries not yet made are not made. Only the fact that it existed is kept.`,
    )
  )
    return;
  await api(`/events/${encodeURIComponent(id)}`, { method: "DELETE" });
  $("#detail").hidden = true;
  // Said once the page shows it (the event gone from the list).
  await refresh();
  say(`Event ${id} erased.`);
}

// ---- chart ----
async function loadChart() {
  $("#chart").replaceChildren(...drawChart(await api("/activity")));
}

// ---- refresh: after every action, and every few seconds while the page is visible ----
const REFRESH_MS = 5000;
let timer;

/** Reads every view again: routes, the events (first page, same filters), the chart, the open event. */
export async function refresh() {
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
whenUnauthorized(signOut);
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
  $("#erase-event").addEventListener("click", () =>
    erase($("#detail").dataset.id).catch((error) => say(error.message, true)),
  );
  if (sessionStorage.getItem(KEY)) start().catch((error) => say(error.message, true));
  else signOut();
});
