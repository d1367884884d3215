import { z } from "zod";
import type { FormatDefinition } from "../types.ts";

// Placeholder: being written.
export const dotted: FormatDefinition = {
  id: "dotted",
  name: "Dotted-topic",
  description: "Dotted-topic envelope (Web1on1 style)",
  schema: z.looseObject({ event: z.string() }),
  events: (body) => [{ name: (body as { event: string }).event, payload: body }],
  detect: (body) =>
    typeof body === "object" &&
    body !== null &&
    typeof (body as { event?: unknown }).event === "string" &&
    "data" in body,
  toCanonical: {},
  fromCanonical: {},
  emits: [],
};
