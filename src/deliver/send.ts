/**
 * One POST to a destination, shared by deliveries and test sends: what it answered (status, the
 * first bytes of its body, `Retry-After`), or why there was no answer, and how long it took. At
 * most `limit(status)` bytes of the answer are read, within the same deadline as the request
 * (src/limits/read.ts), so a destination cannot make us hold or wait for a large body.
 */
import { readAtMost } from "../limits/read.ts";

export interface Sent {
  /** The HTTP status; 0 when there was no answer (network error, timeout). */
  status: number;
  /** The first `limit(status)` bytes of the answer, as text (an empty string for none). */
  body: string;
  /** Why there was no answer: `timeout: ...` or `network error: ...`. */
  error?: string;
  retryAfter: string | null;
  durationMs: number;
}

/**
 * POSTs `body` with `headers` to `url` (redirects are not followed; a 3xx is an answer).
 *
 * @example const sent = await sendOnce(route.url, headers, body, 10_000, () => 1024); // {status: 200, ...}
 */
export async function sendOnce(
  url: string,
  headers: Headers,
  body: string,
  timeoutMs: number,
  limit: (status: number) => number,
): Promise<Sent> {
  const started = Date.now();
  // One deadline for the whole attempt: the answer's headers and the part of its body we read.
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal,
    });
    const text = await readAtMost(response.body, limit(response.status), signal);
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
