/**
 * The keys the pipeline is given by the receive layer, derived here only:
 *
 * - dedupe keys: what makes an event a repeat of one received in the last 24 hours, always a
 *   SHA-256 (64 hex digits) of the source and the whole identity, never a cut of it, so two ids
 *   that differ anywhere are two events. For a verified request whose scheme signs a text
 *   (`Transport.signed`), that text is the identity: a captured request sent again within the
 *   accepted window is a repeat whatever delivery id it carries.
 * - conversation keys: the line an ordered route keeps events in, `<source>:<format's key>`, so
 *   that events of different sources never share a line (an unsigned source cannot hold a
 *   signed source's conversation).
 */
import { sha256Hex } from "../crypto/index.ts";
import type { FormatDefinition, InboundRequest, WireEvent } from "../formats/types.ts";
import { transportOf } from "./index.ts";

/** How the request reached us: `signed` when the source's secret verified it. */
export interface Verification {
  signed: boolean;
}

/**
 * The dedupe key of each event of a request (see above): the signed text of a verified request
 * when its scheme signs one, else the source's own identity (Chatwoot delivery id, dotted envelope
 * id, Support Hunt event content), else the body and the event's position; hashed with the source.
 *
 * @example await dedupeKeys(hoory, request, events, { signed: true }) // [{ wire, key: "9f2c…" (64 hex) }]
 */
export function dedupeKeys(
  source: FormatDefinition,
  request: InboundRequest,
  events: WireEvent[],
  verification: Verification,
): Promise<Array<{ wire: WireEvent; key: string }>> {
  const transport = transportOf(source);
  const signed = verification.signed ? transport?.signed?.(request) : undefined;
  return Promise.all(
    events.map(async (wire, index) => {
      const identity =
        signed !== undefined
          ? `signed:${index}:${signed}`
          : transport
            ? await transport.dedupeKey(request, wire, index)
            : `body:${index}:${request.text}`;
      return { wire, key: await sha256Hex(`${source.id}\n${identity}`) };
    }),
  );
}

/**
 * The conversation line an event belongs to on an ordered route: `<source id>:<the format's
 * conversation key>`, or undefined for an event of no conversation.
 *
 * @example conversationOf(hoory, wire) // "hoory:1:207"
 */
export function conversationOf(source: FormatDefinition, wire: WireEvent): string | undefined {
  const key = source.conversation?.(wire);
  return key === undefined ? undefined : `${source.id}:${key}`;
}
