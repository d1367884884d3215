import { fail, ok, type Result } from "../errors/index.ts";
import type { MappingFile } from "../translate/mapping.ts";
import { chatwootFamily } from "./chatwoot/index.ts";
import { dotted } from "./dotted/index.ts";
import { supporthunt } from "./supporthunt/index.ts";
import { telegram } from "./telegram/index.ts";
import type { FormatDefinition } from "./types.ts";
import { whatsapp } from "./whatsapp/index.ts";

/** Every supported format. Detection (`auto`) tries them in this order. */
export const formats: readonly FormatDefinition[] = [
  supporthunt,
  dotted,
  ...chatwootFamily,
  telegram,
  whatsapp,
];

const byId = new Map(formats.map((format) => [format.id, format]));

/** The ids users may put in URLs, config and the CLI. */
export const formatIds: readonly string[] = formats.map((format) => format.id);

/** Looks a format up by id; an unknown id is a 404 that lists the known ones. */
export function findFormat(id: string): Result<FormatDefinition> {
  const format = byId.get(id);
  if (format) return ok(format);
  return fail({
    code: "unknown_format",
    status: 404,
    message: `Unknown format "${id}". Known formats: ${formatIds.join(", ")}.`,
    details: { formats: formatIds },
  });
}

/** Finds the format a payload is in (the first whose `detect` says yes). */
export function detectFormat(body: unknown): Result<FormatDefinition> {
  const format = formats.find((candidate) => candidate.detect(body));
  if (format) return ok(format);
  return fail({
    code: "undetectable_format",
    status: 400,
    message:
      'Cannot tell which format this payload is in: expected a Chatwoot-family body with an "event" name, a dotted-topic envelope {id, event, data}, a Support Hunt batch {"events": [...]}, a Telegram Update {"update_id", "message": {...}}, or a WhatsApp Cloud API webhook {"object": "whatsapp_business_account", "entry": [...]}. Name the source format in the URL instead of "auto".',
    details: { formats: formatIds },
  });
}

/**
 * The format a body that failed `source`'s schema seems to be in instead, when detection names
 * another platform (a Chatwoot payload POSTed to the Support Hunt URL). Undefined when nothing
 * is detected or the detected format is `source` itself or of its family (Hoory and Chatwoot
 * share a wire format: a broken Hoory body is not "a Chatwoot webhook").
 *
 * @example lookalike(supporthunt, chatwootBody)?.id // "chatwoot"
 */
export function lookalike(source: FormatDefinition, body: unknown): FormatDefinition | undefined {
  const detected = detectFormat(body);
  if (!detected.ok) return undefined;
  const family = (format: FormatDefinition) => format.family ?? format.id;
  return family(detected.value) === family(source) ? undefined : detected.value;
}

/** Every mapping file the formats use, by path. */
export function mappingFiles(): Map<string, MappingFile> {
  const files = new Map<string, MappingFile>();
  for (const format of formats) {
    for (const file of [
      ...Object.values(format.toCanonical),
      ...Object.values(format.fromCanonical),
      ...Object.values(format.libraries ?? {}),
    ]) {
      if (file) files.set(file.path, file);
    }
  }
  return files;
}
