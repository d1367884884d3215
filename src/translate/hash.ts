/**
 * FNV-1a (32 bits) of a mapping's text: the generated code records the hash of the text it was
 * compiled from, and the engine runs it only for that exact text.
 *
 * @example textHash("( $x := 1 )") === textHash("( $x := 1 )")
 */
export function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
