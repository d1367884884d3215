/**
 * The security headers of every HTML page the Worker serves (`/console`, `/playground`, `/docs`):
 * one policy, so that the pages cannot drift apart. Nothing is loaded from another origin, no
 * inline script runs (a page's script is served from this origin), forms post nowhere, and no
 * other site may frame a page (clickjacking): `frame-ancestors 'none'` and, for older browsers,
 * `X-Frame-Options: DENY`.
 */

const POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
];

/**
 * The headers of a page; `script: true` when it runs its own script from this origin (and calls
 * this origin's API with it).
 *
 * @example c.html(page, 200, pageHeaders({ script: true }))
 */
export function pageHeaders(options: { script: boolean }): Record<string, string> {
  const policy = options.script ? [...POLICY, "script-src 'self'", "connect-src 'self'"] : POLICY;
  return {
    "Content-Security-Policy": policy.join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
}
