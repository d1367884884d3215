import type { z } from "zod";
import type { EventKind } from "../canonical/index.ts";
import type { AppError, Result } from "../errors/index.ts";
import type { MappingFile } from "../translate/mapping.ts";

/** One event taken out of a webhook body: its name and the part of the body a mapping reads. */
export interface WireEvent {
  /** The event's name as the platform says it (`automation_event.message_created`). */
  name: string;
  /** The name used to pick the mapping when it differs (`message_created`). */
  dispatch?: string;
  payload: unknown;
}

/**
 * Everything the product knows about one wire format. Adding a platform means writing one of these
 * (in `src/formats/<id>/`) and its mapping files (in `mappings/<id>/`), then listing it in
 * `src/formats/index.ts`.
 */
export interface FormatDefinition {
  /** Used in URLs, config and the CLI: `/webhooks/<id>`, `--from <id>`. */
  id: string;
  /** The platform's name, for people. */
  name: string;
  description: string;
  /** Formats sharing a wire format (the Chatwoot family) name it here. */
  family?: string;
  /** zod schema of a whole webhook body, as the platform POSTs it. */
  schema: z.ZodType;
  /** Splits a valid body into its events (a Support Hunt batch holds many; others hold one). */
  events(body: unknown): WireEvent[];
  /**
   * The conversation an event belongs to (a stable key), or undefined for events of no
   * conversation (contacts, inboxes, resources). An ordered route delivers the events of one
   * conversation in the order they were accepted (src/coordinate); absent: nothing is ordered.
   */
  conversation?(event: WireEvent): string | undefined;
  /** True when a body looks like this format (for `/translate/auto/...`). Checked in registry order. */
  detect(body: unknown): boolean;
  /** Source event name (exact, or a glob with `*`) → the mapping that turns it into a canonical event. */
  toCanonical: Record<string, MappingFile>;
  /** Canonical kind → the mapping that turns it into this format. A kind left out is reported as skipped. */
  fromCanonical: Partial<Record<EventKind, MappingFile>>;
  /** Event names this format accepts (for `/formats`); the keys of `toCanonical` when omitted. */
  accepts?: string[];
  /** Event names this format can emit (for `/formats`). */
  emits: string[];
  /** Variables bound in every mapping of this format (`$format`, `$platform` are always bound). */
  variables?: Record<string, unknown>;
  /**
   * Shared JSONata files (functions several mappings call), by variable name. Each is evaluated
   * once per isolate and its value bound as `$<name>` in every mapping of this format.
   */
  libraries?: Record<string, MappingFile>;
  /** How this format travels over HTTP: signatures, handshakes, repeats (`src/formats/<id>/transport.ts`). */
  transport?: Transport;
}

/** A webhook request as the receiver sees it, before and after parsing. */
export interface InboundRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** The exact body text (signatures are computed over it); "" for a GET. */
  text: string;
  /** The parsed JSON body; undefined for a GET. */
  body: unknown;
}

/** A reply to a subscription check or test POST, sent instead of accepting events. */
export interface HandshakeReply {
  status: 200;
  contentType: string;
  body: string;
}

/** One outbound delivery as signed: its stable id, the attempt's unix time, the exact body text. */
export interface OutboundMessage {
  id: string;
  timestamp: number;
  body: string;
}

/**
 * The wire transport of a format: how its webhooks are verified when received, which requests are
 * handshakes rather than events, what identifies a repeat, and how deliveries in this format are
 * signed so that the platform's own consumers can verify them.
 */
export interface Transport {
  /**
   * Checks an inbound request against the source's secrets (two during a rotation). Fails with a
   * 401 whose message names the reason (missing, bad, stale) and never echoes a secret or signature.
   */
  verify(
    request: InboundRequest,
    secrets: readonly string[],
    nowSeconds: number,
  ): Promise<Result<true>>;
  /**
   * A GET subscription check, answered before anything else (it carries no signature): the reply,
   * or a refusal (a wrong verify token: 403), checked against the source's verify tokens
   * (`WEBHOOK_VERIFY_TOKEN_<SOURCE>`, two during a rotation).
   */
  challenge?(
    request: InboundRequest,
    verifyTokens?: readonly string[],
  ): HandshakeReply | AppError | undefined;
  /** A POST that is a handshake and carries no events; asked after verification, before validation. */
  handshake?(request: InboundRequest): HandshakeReply | undefined;
  /**
   * What makes an event of an unsigned request a repeat of one received before (deduplicated for
   * 24 hours): its whole identity, of any length (it is hashed with the source, never cut).
   */
  dedupeKey(request: InboundRequest, event: WireEvent, index: number): Promise<string>;
  /**
   * The exact text a verified request's signature covers (Chatwoot family: `<timestamp>.<body>`;
   * dotted: the body). It is the identity of the request's events when it was verified, so a
   * captured request sent again is a repeat whatever else (a delivery id header) it changes.
   * Absent when the scheme signs nothing (a bare token): `dedupeKey` decides.
   */
  signed?(request: InboundRequest): string | undefined;
  /**
   * The headers `outboundHeaders` may set (its ids, signature, token), lower case. A route's own
   * `headers` may not set them (refused when the configuration loads). Leave out a header the
   * target's protocol takes from configuration instead (such as a secret token the consumer
   * chose when registering the webhook): a route may then set it in `headers`.
   */
  reservedHeaders?: readonly string[];
  /** Headers of a delivery in this format: ids always, the native signature when there is a secret. */
  outboundHeaders(
    message: OutboundMessage,
    secret: string | undefined,
  ): Promise<Record<string, string>>;
}
