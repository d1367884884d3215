/**
 * How a consumer of each target reads the facts the semantic tests check: who is assigned, which
 * conversation an event belongs to. Written from the targets' wire formats, not from our mappings.
 */

// Delivered bodies are arbitrary JSON: the tests read them as a consumer would, path by path.
// biome-ignore lint/suspicious/noExplicitAny: a JSON body read by path
export type Json = any;

/** A Support Hunt delivery is a one-event batch: that event. */
export function supporthuntEvent(body: unknown): Json {
  const events = (body as { events?: Json[] }).events;
  if (!Array.isArray(events) || events.length !== 1) throw new Error("not a one-event batch");
  return events[0];
}

type Assigned = { role: "agent" | "bot"; id: number } | null;

/**
 * Who a Chatwoot conversation event says is assigned after it, per column: `assignee_id` (an
 * agent) and `assignee_agent_bot_id` (a bot), from changed_attributes, else from meta.assignee.
 */
export function chatwootAssigneeColumns(body: Json): { agent: Assigned; bot: Assigned } {
  const changed: Record<string, { current_value: unknown }> = Object.assign(
    {},
    ...(body.changed_attributes ?? []),
  );
  const assignee = body.meta?.assignee;
  const metaBot = assignee?.type === "agent_bot";
  const column = (name: string, role: "agent" | "bot", fromMeta: boolean): Assigned => {
    const value = name in changed ? changed[name]?.current_value : fromMeta ? assignee?.id : null;
    return value === null || value === undefined ? null : { role, id: Number(value) };
  };
  return {
    agent: column("assignee_id", "agent", Boolean(assignee) && !metaBot),
    bot: column("assignee_agent_bot_id", "bot", metaBot),
  };
}

/** The assignee of a dotted conversation: the first participant who accepted it. */
export function dottedAssignee(body: Json): { role: string; user: string } | null {
  const participant = (body.data?.conversation?.participants ?? []).find(
    (p: Json) => p?.accepted === true,
  );
  return participant ? { role: participant.role, user: participant.user } : null;
}

/** The conversation id as the target carries it, as a string; undefined when it names none. */
export function targetConversationId(target: string, body: Json): string | undefined {
  const event: string = typeof body.event === "string" ? body.event : "";
  const id =
    target === "supporthunt"
      ? supporthuntEvent(body).conversation?.id
      : target === "dotted"
        ? (body.data?.conversation?.id ?? body.data?.message?.conversation)
        : event.startsWith("conversation_typing_") || event.startsWith("message_")
          ? body.conversation?.id
          : event.startsWith("conversation_")
            ? body.id
            : undefined;
  return id === undefined || id === null ? undefined : String(id);
}

/** What a message answers, as a consumer of the target reads it (ids as strings). */
export interface ReplyTarget {
  id?: string;
  externalId?: string;
  storyId?: string;
  storyUrl?: string;
  storySender?: string;
}

const str = (v: unknown): string | undefined =>
  v === undefined || v === null || v === "" ? undefined : String(v);

/**
 * The reply reference of one delivered message: Chatwoot's `content_attributes.in_reply_to`,
 * `in_reply_to_external_id` and `story_*`; dotted's `meta.replyTo*` keys; Support Hunt's
 * `payload.reply_to`. Keys without a value are left out.
 */
export function replyTarget(target: string, body: Json): ReplyTarget {
  const picked =
    target === "dotted"
      ? ((m: Json) => ({
          id: m?.replyToId,
          externalId: m?.replyToExternalId,
          storyId: m?.replyToStoryId,
          storyUrl: m?.replyToStoryUrl,
          storySender: m?.replyToStorySender,
        }))(body.data?.message?.meta)
      : target === "supporthunt"
        ? ((r: Json) => ({
            id: r?.id,
            externalId: r?.external_id,
            storyId: r?.story?.id,
            storyUrl: r?.story?.url,
            storySender: r?.story?.sender,
          }))(supporthuntEvent(body).event.payload.reply_to)
        : ((c: Json) => ({
            id: c?.in_reply_to,
            externalId: c?.in_reply_to_external_id,
            storyId: c?.story_id,
            storyUrl: c?.story_url,
            storySender: c?.story_sender,
          }))(body.content_attributes);
  return Object.fromEntries(
    Object.entries(picked)
      .map(([k, v]) => [k, str(v)])
      .filter(([, v]) => v !== undefined),
  );
}
