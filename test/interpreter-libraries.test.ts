/**
 * The interpreter keeps each library's value per isolate, and jsonata counts evaluation depth on
 * the environment a function was defined in; an error used to leave that count raised, so
 * failures inside a library's functions added up until every translation using it stopped with
 * D1011 (stack overflow). A failed evaluation now drops the cached library.
 */
import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../src/canonical/index.ts";
import { findFormat } from "../src/formats/index.ts";
import { fromCanonical, readEvents, toCanonical } from "../src/translate/index.ts";
import { fixtures } from "./fixtures.ts";

describe("interpreted libraries after failures", () => {
  it("300 failing calls into the Chatwoot writers leave the next translation working", async () => {
    const fixture = fixtures.find(
      (f) => f.format === "chatwoot" && f.name === "message-created-incoming",
    );
    const chatwoot = findFormat("chatwoot");
    if (!fixture || !chatwoot.ok) throw new Error("fixture or format missing");
    const events = readEvents(chatwoot.value, fixture.body);
    if (!events.ok) throw new Error(events.error.message);
    const decoded = await toCanonical(chatwoot.value, events.value[0] as never);
    if (!decoded.ok || "skip" in decoded.value) throw new Error("no canonical event");
    const event = decoded.value as CanonicalEvent;
    const options = { interpret: true };
    const good = await fromCanonical(chatwoot.value, event, options);
    expect(good.ok).toBe(true);
    // A wrong type where the writers expect an object fails inside the library.
    const broken = { ...event, extra: { chatwoot: { message: 5, conversation: 5, sender: 5 } } };
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const result = await fromCanonical(
        chatwoot.value,
        broken as unknown as CanonicalEvent,
        options,
      );
      if (!result.ok) failures++;
    }
    const after = await fromCanonical(chatwoot.value, event, options);
    expect(JSON.stringify(after)).toBe(JSON.stringify(good));
    expect(failures).toBe(300);
  }, 60_000);
});
