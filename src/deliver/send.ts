/**
 * One POST to a destination, shared by deliveries and test sends: what it answered (status, the
 * first bytes of its body, `Retry-After`), or why there was no answer, and how long it took. At
 * most `limit` bytes of the answer are read, so a destination cannot make us hold a large body.
 */

export interface Sent {
  /** The HTTP status; 0 when there was no answer (network error, timeout). */
  status: number;
  /** The first `limit` bytes of the answer, as text (an empty string for none). */
  body: string;
  /** Why there was no answer: `timeout: ...` or `network error: ...`. */
  error?: string;
  retryAfter: string | null;
  durationMs: number;
}

/** Reads at most `limit` bytes of a body and cancels the rest. */
export async function readPrefix(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += Math.min(value.byteLength, limit - size);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * POSTs `body` with `headers` to `url` (redirects are not followed; a 3xx is an answer).
 *
 * @example const sent = await sendOnce(route.url, headers, body, 10_000, 1024); // {status: 200, ...}
 */
export async function sendOnce(
  url: string,
  headers: Headers,
  body: string,
  timeoutMs: number,
  limit: number,
): Promise<Sent> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readPrefix(response, limit).catch(() => "");
    return {
      status: response.status,
      body: text,
      retryAfter: response.headers.get("retry-after"),
      durationMs: Date.now() - started,
    };
  } catch (e) {
    const name = (e as Error)?.name;
    const error =
      name === "TimeoutError" || name === "AbortError"
        ? `timeout: no answer within ${timeoutMs} ms`
        : `network error: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
    return { status: 0, body: "", error, retryAfter: null, durationMs: Date.now() - started };
  }
}
