// The delivery console's script (served as /console/app.js). Plain DOM, no framework. Every value
// from the API is shown with textContent or as an SVG attribute, never parsed as HTML, so a
// payload holding markup or script shows as text. The token lives in sessionStorage only.

const KEY = "webhook-translator.admin-token";
const $ = (selector) => document.querySelector(selector);
let cursor;

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
}

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  await Promise.all([loadRoutes(), loadEvents(false), loadChart()]);
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
  const state = await api(`/routes/${encodeURIComponent(name)}/${action}`, { method: "POST" });
  say(
    `Route ${name} ${state.paused ? "paused" : "resumed"}${state.held ? ` (${state.held} held)` : ""}.`,
  );
  await loadRoutes();
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
  const { replayed } = await api("/deadletters/replay", {
    method: "POST",
    body: JSON.stringify({ route }),
  });
  say(`${replayed} dead letter(s) of ${route} queued again.`);
  await loadEvents(false);
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

async function loadEvents(more) {
  const query = filterQuery();
  if (more && cursor) query.set("cursor", cursor);
  const page = await api(`/events?${query}`);
  const body = $("#events tbody");
  if (!more) body.replaceChildren();
  for (const event of page.events) {
    const deliveries = el("td");
    for (const d of event.deliveries) {
      deliveries.append(
        badge(d.status, `${d.route}: ${d.status}${d.lastStatus ? ` (${d.lastStatus})` : ""}`),
      );
    }
    body.append(
      el(
        "tr",
        { class: "event", "data-id": event.id, onclick: () => openEvent(event.id) },
        el("td", {}, when(event.receivedAt)),
        el("td", {}, event.source),
        el("td", {}, event.event),
        deliveries,
      ),
    );
  }
  cursor = page.next;
  $("#more").hidden = !page.next;
  if (!more) say(`${page.events.length}${page.next ? "+" : ""} event(s).`);
}

async function openEvent(id) {
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
  $("#detail").scrollIntoView({ block: "nearest" });
}

async function replay(id, route) {
  const { replayed } = await api(`/events/${encodeURIComponent(id)}/replay`, {
    method: "POST",
    body: JSON.stringify(route ? { route } : {}),
  });
  say(`Replayed to ${replayed} route(s): it is queued and will be delivered.`);
}

// ---- chart: deliveries per minute by outcome, inline SVG ----
const OUTCOMES = [
  ["delivered", "#3f9c55"],
  ["failed", "#e39b26"],
  ["dead", "#c0392b"],
];

async function loadChart() {
  const activity = await api("/activity");
  const from = Date.parse(activity.from);
  const minutes = Math.round((Date.parse(activity.to) - from) / 60000);
  const W = 1440;
  const H = 150;
  const peak = Math.max(1, ...activity.minutes.map((m) => m.delivered + m.failed + m.dead));
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 20}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const rect = (x, y, w, h, fill) => {
    const r = document.createElementNS(NS, "rect");
    for (const [k, v] of Object.entries({ x, y, width: w, height: h, fill }))
      r.setAttribute(k, String(v));
    svg.append(r);
    return r;
  };
  rect(0, 0, W, H, "#fafbfc");
  const step = W / minutes;
  for (const m of activity.minutes) {
    const x = ((Date.parse(m.at) - from) / 60000) * step;
    let y = H;
    for (const [outcome, color] of OUTCOMES) {
      const h = (m[outcome] / peak) * (H - 4);
      if (h > 0) {
        y -= h;
        // At least 3 units wide (a single minute is 1/1440 of the chart), so a lone failure shows.
        const bar = rect(x, y, Math.max(step, 3), h, color);
        const title = document.createElementNS(NS, "title");
        title.textContent = `${new Date(m.at).toLocaleTimeString()}: ${m.delivered} delivered, ${m.failed} failed, ${m.dead} dead`;
        bar.append(title);
      }
    }
  }
  for (let hour = 0; hour <= 24; hour += 3) {
    const x = (hour * 60 * W) / minutes;
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", String(x));
    label.setAttribute("text-anchor", hour === 0 ? "start" : hour === 24 ? "end" : "middle");
    label.setAttribute("y", String(H + 15));
    label.setAttribute("font-size", "12");
    label.setAttribute("fill", "#4a5561");
    label.textContent = new Date(from + hour * 3600000).toLocaleTimeString([], {
      hour: "2-digit",
      minute: "2-digit",
    });
    svg.append(label);
  }
  const legend = el("p", { class: "legend" });
  for (const [outcome, color] of OUTCOMES)
    legend.append(el("span", {}, el("i", { style: `background:${color}` }), outcome));
  legend.append(el("span", {}, `peak ${peak}/min`));
  $("#chart").replaceChildren(svg, legend);
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
    loadEvents(false).catch((error) => say(error.message, true));
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
