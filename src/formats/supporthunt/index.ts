import { z } from "zod";
import type { FormatDefinition } from "../types.ts";

// Placeholder: being written.
export const supporthunt: FormatDefinition = {
  id: "supporthunt",
  name: "Support Hunt",
  description: "Support Hunt batched events",
  schema: z.looseObject({ events: z.array(z.looseObject({})) }),
  events: (body) =>
    (body as { events: unknown[] }).events.map((payload) => ({ name: "message", payload })),
  detect: (body) =>
    typeof body === "object" &&
    body !== null &&
    Array.isArray((body as { events?: unknown }).events),
  toCanonical: {},
  fromCanonical: {},
  emits: [],
};
