/** GET /console and its script: served only with ADMIN_TOKEN set, self-contained, no data inside. */
import { describe, expect, it } from "vitest";
import { call, testEnv } from "../delivery/helpers.ts";

describe("GET /console", () => {
  it("is off (404) without ADMIN_TOKEN", async () => {
    for (const path of ["/console", "/console/app.js"]) {
      const response = await call(testEnv({ ADMIN_TOKEN: "" }), path);
      expect(response.status, path).toBe(404);
    }
  });

  it("serves the page and its script, loading nothing from elsewhere", async () => {
    const env = testEnv({ ADMIN_TOKEN: "admin-token" });
    const response = await call(env, "/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    const html = await response.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<form id="login"');
    expect(html).toContain('<script src="/console/app.js"');
    // Nothing from another origin, and the token is never in the page.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain("admin-token");
    let text = "";
    for (const name of ["app", "chart", "routes", "ui"]) {
      const script = await call(env, `/console/${name}.js`);
      expect(script.status, name).toBe(200);
      expect(script.headers.get("content-type")).toContain("text/javascript");
      const code = await script.text();
      // Modules import only their siblings: nothing from elsewhere.
      for (const [, from] of code.matchAll(/^import .* from "([^"]+)";$/gm)) {
        expect(from).toMatch(/^\.\/(app|chart|routes|ui)\.js$/);
      }
      text += code;
    }
    expect(text).toContain("sessionStorage");
    expect(text).not.toContain("localStorage");
    expect(text).not.toContain("innerHTML");
  });
});
