/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import { DELIVERY_STATUSES } from "../admin/schemas.ts";
import { formatIds } from "../formats/index.ts";
import { STYLE } from "./style.ts";

/**
 * The console's HTML, rendered on the server. It holds no data (`local` only adds where the local
 * token comes from, under `npm start`): the script (`/console/app.js`, a module importing
 * `/console/chart.js`)
 * asks for the admin token, keeps it in sessionStorage, and fills the panels from the admin API.
 * Everything the script shows is set as text (never as HTML), so payloads cannot inject markup.
 */
export const ConsolePage: FC<{ local: boolean }> = ({ local }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Delivery console · webhook translator</title>
      <style>{STYLE}</style>
      <script src="/console/app.js" type="module" />
    </head>
    <body>
      <header>
        <h1>Delivery console</h1>
        <span id="who" />
        <button type="button" id="logout" hidden>
          Sign out
        </button>
      </header>

      <form id="login" class="panel">
        <h2>Sign in</h2>
        <p>
          The admin token (<code>ADMIN_TOKEN</code>). It is kept for this browser tab only.
        </p>
        {local ? (
          <p id="local-token">
            Running locally with <code>npm start</code>: the token is <code>dev-admin-token</code>,
            unless you set <code>ADMIN_TOKEN</code> in the environment or in <code>.dev.vars</code>{" "}
            (<code>npm start</code> prints the one in use).
          </p>
        ) : null}
        <label>
          Admin token{" "}
          <input type="password" name="token" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
        <p id="login-error" class="error" role="alert" />
      </form>

      <main id="app" hidden>
        <section class="panel">
          <h2>Delivery attempts</h2>
          <figure id="chart" aria-label="Delivery attempts by outcome over time" />
        </section>

        <section class="panel">
          <h2>Routes</h2>
          <table id="routes">
            <thead>
              <tr>
                <th>Route</th>
                <th>Target</th>
                <th>State</th>
                <th>Held</th>
                <th>Rate limit</th>
                <th>Last 24 h</th>
                <th />
              </tr>
            </thead>
            <tbody />
          </table>
        </section>

        <section class="panel" id="conversations" hidden>
          <h2>
            Waiting conversations of <span id="conversations-route" />
          </h2>
          <p id="conversations-total" />
          <table>
            <thead>
              <tr>
                <th>Conversation</th>
                <th>Waits on</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Next try</th>
                <th>Behind it</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody />
          </table>
        </section>

        <section class="panel">
          <h2>Events</h2>
          <form id="filters">
            <label>
              Source{" "}
              <select name="source">
                <option value="">any</option>
                {formatIds.map((id) => (
                  <option value={id}>{id}</option>
                ))}
              </select>
            </label>
            <label>
              Route{" "}
              <select name="route">
                <option value="">any</option>
              </select>
            </label>
            <label>
              Status{" "}
              <select name="status">
                <option value="">any</option>
                {DELIVERY_STATUSES.map((status) => (
                  <option value={status}>{status}</option>
                ))}
              </select>
            </label>
            <label>
              Since <input type="datetime-local" name="since" />
            </label>
            <button type="submit">Find</button>
          </form>
          <table id="events">
            <thead>
              <tr>
                <th>Received</th>
                <th>Source</th>
                <th>Event</th>
                <th>Deliveries</th>
              </tr>
            </thead>
            <tbody />
          </table>
          <button type="button" id="more" hidden>
            More
          </button>
        </section>

        <section class="panel" id="detail" hidden>
          <h2>
            Event <code id="detail-id" />
          </h2>
          <p id="detail-facts" />
          <button type="button" id="replay-event">
            Replay to every route
          </button>{" "}
          <button type="button" id="erase-event" class="danger">
            Erase this event
          </button>
          <div id="detail-routes" />
          <h3>Payload</h3>
          <pre id="detail-payload" />
        </section>
        <p id="status" role="status" />
      </main>
    </body>
  </html>
);
