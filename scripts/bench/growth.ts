/** Section 5: how cost grows with payload size (Chatwoot messages[] and custom attributes). */
import { formatIds } from "../../src/formats/index.ts";
import { translate } from "../../src/translate/index.ts";
import type { Fixture } from "./fixtures.ts";
import { measure } from "./stats.ts";

export const SIZES = [1, 10, 100, 1000] as const;

export interface GrowthRow {
  dimension: "messages" | "custom attributes";
  target: string;
  /** Median µs per size, or an error. */
  micros: Array<number | string>;
}

type Body = Record<string, unknown> & {
  conversation: Record<string, unknown>;
};

function base(fixtures: Fixture[]): Body {
  const own = fixtures.filter((f) => f.folder === "chatwoot");
  const pick = own.find((f) => f.name === "message-created-incoming") ?? own[0];
  if (!pick) throw new Error("no Chatwoot fixture");
  return JSON.parse(pick.text) as Body;
}

/** A conversation with n earlier messages (conversation.messages[]), each a realistic message. */
export function withMessages(fixtures: Fixture[], n: number): Body {
  const body = base(fixtures);
  const conversationId = body.conversation.id;
  body.conversation.messages = Array.from({ length: n }, (_, i) => ({
    id: 1000 + i,
    content: `Earlier message number ${i}: is my order on its way?`,
    account_id: 1,
    inbox_id: 3,
    conversation_id: conversationId,
    message_type: i % 2,
    created_at: 1781950000 + i,
    updated_at: "2026-06-20T10:10:00.000Z",
    private: false,
    status: "sent",
    source_id: null,
    content_type: "text",
    content_attributes: {},
    sender_type: i % 2 ? "User" : "Contact",
    sender_id: i % 2 ? 7 : 4,
    external_source_ids: {},
    additional_attributes: {},
    processed_message_content: `Earlier message number ${i}: is my order on its way?`,
    sentiment: {},
    conversation: { assignee_id: null, unread_count: 1, last_activity_at: 1781950530 },
  }));
  return body;
}

/** A conversation with n custom attributes. */
export function withAttributes(fixtures: Fixture[], n: number): Body {
  const body = base(fixtures);
  body.conversation.custom_attributes = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`attribute_${i}`, i % 3 ? `value ${i}` : i]),
  );
  return body;
}

export async function growth(fixtures: Fixture[]): Promise<GrowthRow[]> {
  const rows: GrowthRow[] = [];
  for (const [dimension, make] of [
    ["messages", withMessages],
    ["custom attributes", withAttributes],
  ] as const) {
    const bodies = SIZES.map((n) => make(fixtures, n));
    for (const target of formatIds) {
      const row: GrowthRow = { dimension, target, micros: [] };
      rows.push(row);
      for (const [i, body] of bodies.entries()) {
        try {
          const first = await translate("chatwoot", target, body);
          if (!first.ok) throw new Error(first.error.message);
          JSON.stringify(first.value);
          const n = SIZES[i] ?? 1;
          const s = await measure(() => translate("chatwoot", target, body), {
            warmup: n >= 1000 ? 3 : 20,
            warmupMs: 100,
            iterations: n >= 1000 ? 20 : 200,
            budgetMs: 250,
          });
          row.micros.push(s.median);
        } catch (error) {
          row.micros.push(`error: ${String(error).slice(0, 80)}`);
        }
      }
    }
  }
  return rows;
}
