/**
 * The HTML pages and the admin token (issue 23, finding 5): `/console`, `/playground` and `/docs`
 * answer the same security headers (a CSP with `frame-ancestors 'none'`, no inline script, and
 * `X-Frame-Options: DENY`), and every admin route, the playground's API included, reads the token
 * from `Authorization: Bearer <token>` only.
 */
import { describe, expect, it } from "vitest";
import { call, testEnv } from "../delivery/helpers.ts";

const ADMIN = "pages-admin-token";
const env = () => testEnv({ ADMIN_TOKEN: ADMIN });

/** The CSP's directives by name. */
function directives(policy: string | null): Map<string, string> {
  return new Map(
    (policy ?? "")
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name as string, values.join(" ")]),
  );
}

describe("pages", () => {
  const pages = ["/console", "/playground", "/docs"];

  it.each(pages)("%s cannot be framed and runs no inline script", async (path) => {
    const response = await call(env(), path);
    expect(response.status).toBe(200);
    const csp = directives(response.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toBe("'none'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.get("base-uri")).toBe("'none'");
    expect(csp.get("form-action")).toBe("'none'");
    expect(csp.get("script-src") ?? "'none'").not.toMatch(/unsafe|\*|http/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    // Every script the page loads comes from this origin, from a file: none is inline.
    const html = await response.text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      expect(tag).toMatch(/\bsrc="\/[a-z]/);
    }
  });

  it("the pages share one policy", async () => {
    const policies = await Promise.all(
      pages.map(async (path) =>
        directives((await call(env(), path)).headers.get("content-security-policy")),
      ),
    );
    const [consolePolicy, playground, docs] = policies;
    expect(playground).toEqual(consolePolicy);
    // /docs has no script: the same policy without script-src and connect-src.
    const withoutScript = new Map(consolePolicy);
    withoutScript.delete("script-src");
    withoutScript.delete("connect-src");
    expect(docs).toEqual(withoutScript);
  });

  it("the playground's script is served from this origin as JavaScript", async () => {
    const response = await call(env(), "/playground/app.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await response.text()).toContain("/playground/translate");
  });
});

describe("one token parser for every admin route", () => {
  const admin: Array<[string, RequestInit & { json?: unknown }]> = [
    ["/playground/examples", {}],
    ["/playground/translate", { json: { source: "chatwoot", target: "dotted", payload: "{}" } }],
    ["/events", {}],
    ["/deadletters", {}],
    ["/routes", {}],
    ["/activity", {}],
  ];

  it.each(admin)("%s refuses the token without Bearer", async (path, init) => {
    for (const authorization of [ADMIN, ` ${ADMIN}`, `Token ${ADMIN}`, `Basic ${btoa(ADMIN)}`]) {
      const response = await call(env(), path, {
        ...init,
        headers: { Authorization: authorization },
      });
      expect(response.status, authorization).toBe(401);
    }
  });

  it.each(admin)("%s accepts Authorization: Bearer <token>", async (path, init) => {
    const response = await call(env(), path, {
      ...init,
      headers: { Authorization: `Bearer ${ADMIN}` },
    });
    expect(response.status).toBe(200);
  });
});
