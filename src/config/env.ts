import type { ConversationLines } from "../coordinate/lines.ts";
import type { RouteGate } from "../coordinate/route-gate.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import type { EventIndex } from "../store/event-index.ts";
import type { EventStore } from "../store/event-store.ts";

/**
 * The Worker's bindings (declared in wrangler.toml) and variables. Vars may arrive as strings
 * (`wrangler dev --var`, secrets) or as JSON values (`[vars]` tables and arrays).
 */
export interface Env {
  /** D1: dead letters, erasure records, the dev sink; the old tables an upgrade reads (src/storage). */
  DB: D1Database;
  /** Queue producer for deliveries (one message per accepted event and route). */
  DELIVERY_QUEUE: Queue<DeliveryMessage>;
  /** One Durable Object per route: pause, rate limit, held deliveries (src/coordinate). */
  ROUTE_GATES: DurableObjectNamespace<RouteGate>;
  /** An ordered route's conversation lines, several objects per route (src/coordinate/lines.ts). */
  ORDER_LINES: DurableObjectNamespace<ConversationLines>;
  /** The event store's shards, addressed by name `shard-<n>` (src/store, docs/store.md). */
  EVENT_STORE: DurableObjectNamespace<EventStore>;
  /** The listing index of accepted events, one object per day and sub-index (src/store/event-index.ts). */
  EVENT_INDEX: DurableObjectNamespace<EventIndex>;
  /** Shards of the event store (default 128, see docs/store.md "Sizing N"). */
  STORE_SHARDS?: string | number;
  /**
   * After changing STORE_SHARDS: the count before, and when it changed (ISO 8601). For 24 hours
   * a key whose shard moved is first looked up in its previous shard (docs/store.md).
   */
  STORE_SHARDS_PREVIOUS?: string | number;
  STORE_SHARDS_CHANGED_AT?: string;

  /** Simple configuration: one route taking every source. */
  TARGET_FORMAT?: string;
  DESTINATION_URL?: string;
  /**
   * Secret (`wrangler secret put`): signs deliveries of the simple route. A Standard Webhooks
   * secret (`whsec_<base64>` or bare base64 of 24 to 64 bytes: `npm run secret`); it also keys the
   * target's native scheme, as written, unless `DESTINATION_NATIVE_SECRET` is set.
   */
  DESTINATION_SECRET?: string;
  /** "true": the simple route delivers each conversation's events in order (`ordered` in ROUTES). */
  DESTINATION_ORDERED?: string | boolean;
  /** Secret: the simple route's native signature or token (any printable ASCII, used as written). */
  DESTINATION_NATIVE_SECRET?: string;
  /**
   * Several routes: a JSON array (or JSON text) of `{name, sources, target, url, events?, where?,
   * headers?, secret?, nativeSecret?, ...}` (src/config/route.ts, docs/routes.md).
   */
  ROUTES?: unknown;
  /** Operational alerts (src/config/alerts.ts): where they are POSTed. */
  ALERTS_URL?: string;
  /** Secret: signs alerts (Standard Webhooks, the rules of `DESTINATION_SECRET`). */
  ALERTS_SECRET?: string;
  /** `json` (default) or `slack` (an incoming-webhook message). */
  ALERTS_FORMAT?: string;
  /** Default `failingAfter` of every route (5). */
  ALERTS_FAILING_AFTER?: string | number;
  /** Default `pauseAfterMinutes` of every route (1440; 0 never pauses). */
  ALERTS_PAUSE_AFTER_MINUTES?: string | number;
  /** The console's address, for the links in alerts (e.g. https://translator.example.com/console). */
  ALERTS_CONSOLE_URL?: string;
  /** Bearer token for /deadletters; the admin routes are closed when unset. */
  ADMIN_TOKEN?: string;
  /** Days events, delivery records and attempts are kept (default 7); dead letters until deleted. */
  RETENTION_DAYS?: string | number;
  /** First retry delay in seconds (default 10), doubled on each attempt, jittered. */
  RETRY_BASE_SECONDS?: string | number;
  /** Largest retry delay in seconds (default 3600). */
  RETRY_MAX_SECONDS?: string | number;
  /** Attempts per delivery before it is dead-lettered (default 10, at most 100). */
  MAX_ATTEMPTS?: string | number;
  /** Timeout of one delivery POST in milliseconds (default 10000). */
  DELIVERY_TIMEOUT_MS?: string | number;
  /** Deliveries one consumer invocation makes at once (default 6, the Workers connection limit). */
  DELIVERY_CONCURRENCY?: string | number;
  /** Failed attempts in a row that open a route's circuit, for routes without `circuitFailures` (default 5; 0 never). */
  CIRCUIT_FAILURES?: string | number;
  /** A route's first cool-down once its circuit opened, for routes without `circuitCooldownSeconds` (default 30). */
  CIRCUIT_COOLDOWN_SECONDS?: string | number;
  /**
   * The deployed environment's name (`production`, `staging`), set in each `[env.*]` section of
   * wrangler.toml; unset locally. When set, a source without a secret is refused unless its
   * `WEBHOOK_UNSIGNED_<SOURCE>` is "true" (src/config/sources.ts).
   */
  ENVIRONMENT?: string;
  /** "true" enables the local /dev/sink destination. Never set it in production. */
  DEV_SINK?: string | boolean;
  /** `WEBHOOK_SECRET_<SOURCE>`, `WEBHOOK_UNSIGNED_<SOURCE>`, `WEBHOOK_VERIFY_TOKEN_<SOURCE>` (WhatsApp) and the secrets routes name (`secret`, `nativeSecret`, `${NAME}` in `headers`). */
  [name: string]: unknown;
}

/**
 * Kept in step with wrangler.toml: `npm run types` writes the bindings of every environment to
 * worker-configuration.d.ts (`Cloudflare.Env`, checked by CI). Each one must be declared above,
 * with a type the generated one fits; otherwise this fails to compile, naming the binding.
 */
type DeclaredKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};
type Undeclared = Exclude<keyof Cloudflare.Env, DeclaredKeys<Env>>;
type Mismatched = {
  [K in keyof Cloudflare.Env & DeclaredKeys<Env>]: Cloudflare.Env[K] extends Env[K] ? never : K;
}[keyof Cloudflare.Env & DeclaredKeys<Env>];
type Assert<T extends true> = T;
export type EnvMatchesWranglerToml = Assert<
  [Undeclared | Mismatched] extends [never]
    ? true
    : { undeclaredOrMismatched: Undeclared | Mismatched }
>;
