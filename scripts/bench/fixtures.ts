/** Fixture payloads read from disk when the bench runs (whatever exists then). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findFormat, formatIds } from "../../src/formats/index.ts";

export const root = new URL("../../", import.meta.url).pathname;
const dir = join(root, "test/fixtures");

export interface Fixture {
  /** Folder under test/fixtures (a format id, or the family for Chatwoot-family members). */
  folder: string;
  name: string;
  text: string;
  body: unknown;
}

export function allFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const folder of readdirSync(dir).sort()) {
    if (!existsSync(join(dir, folder)) || folder.includes(".")) continue;
    for (const name of readdirSync(join(dir, folder)).sort()) {
      const file = join(dir, folder, name, "source.json");
      if (!existsSync(file)) continue;
      const text = readFileSync(file, "utf8");
      out.push({ folder, name, text, body: JSON.parse(text) });
    }
  }
  return out;
}

/** The fixture folder a source format reads from: its own, else its family's (same wire format). */
export function folderOf(formatId: string, fixtures: Fixture[]): string | undefined {
  if (fixtures.some((f) => f.folder === formatId)) return formatId;
  const family = findFormat(formatId);
  const name = family.ok ? family.value.family : undefined;
  return name && fixtures.some((f) => f.folder === name) ? name : undefined;
}

/** Preferred representative events: a plain inbound text message. */
const preferred = [
  "message-created-incoming",
  "message-text",
  "message-create-contact-chat",
  "automation-message-created",
];

/** One representative fixture per source format: a plain inbound text message where there is one. */
export function representative(fixtures: Fixture[]): Array<{ source: string; fixture: Fixture }> {
  const out: Array<{ source: string; fixture: Fixture }> = [];
  for (const source of formatIds) {
    const folder = folderOf(source, fixtures);
    if (!folder) continue;
    const own = fixtures.filter((f) => f.folder === folder);
    const pick =
      preferred.map((name) => own.find((f) => f.name === name)).find(Boolean) ??
      own.find((f) => f.name.startsWith("message")) ??
      own[0];
    if (pick) out.push({ source, fixture: pick });
  }
  return out;
}
