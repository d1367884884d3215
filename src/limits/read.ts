/**
 * Reading what a destination answers without letting it decide how much we hold: at most
 * `maxBytes` of a body are read, then the rest is cancelled (the connection is closed, nothing
 * more is downloaded), whatever the destination sends: a 100 MB body, an endless one, or a
 * trickle of one byte a second (the read stops when `signal` aborts).
 */

/** Bytes of a destination's answer read for the record (the attempt keeps its first 200 characters). */
export const ANSWER_READ_BYTES = 4096;

/**
 * The first `maxBytes` bytes of `body` as text (invalid UTF-8 replaced), reading no further and
 * cancelling the stream afterwards in every case (done, full, aborted or failed). Never throws:
 * a read that fails or is aborted returns what was read so far.
 *
 * @example const snippet = await readAtMost(response.body, ANSWER_READ_BYTES, signal);
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const aborted = abortion(signal);
  try {
    while (size < maxBytes) {
      const next = await Promise.race([reader.read(), aborted.promise]);
      if (!next || next.done) break;
      const chunk = next.value.subarray(0, maxBytes - size);
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch {
    // A broken connection: keep what arrived.
  } finally {
    aborted.dispose();
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** A promise resolving to undefined when `signal` aborts (never, without one), and its cleanup. */
function abortion(signal: AbortSignal | undefined) {
  let dispose = () => {};
  const promise = new Promise<undefined>((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve(undefined);
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  return { promise, dispose: () => dispose() };
}
