import { describe, expect, it } from "vitest";
import type { Env } from "./env.ts";
import { loadConfig } from "./index.ts";

const base = { ROUTES: [] } as unknown as Env;
const errorsOf = (vars: Record<string, unknown>) => {
  const result = loadConfig({ ...base, ...vars } as Env);
  return result.ok ? [] : result.errors;
};

describe("alert settings", () => {
  it("default to json, 5 failed attempts and a day before pausing", () => {
    const result = loadConfig({ ...base } as Env);
    expect(result.ok && result.config.alerts).toMatchObject({
      format: "json",
      failingAfter: 5,
      pauseAfterMinutes: 1440,
      keys: [],
    });
  });

  it("refuse a bad URL, format, threshold or secret, naming the variable and not the value", () => {
    const errors = errorsOf({
      ALERTS_URL: "ftp://x",
      ALERTS_FORMAT: "teams",
      ALERTS_FAILING_AFTER: "0",
      ALERTS_PAUSE_AFTER_MINUTES: "-1",
      ALERTS_SECRET: "not-a-secret-value",
    });
    expect(errors.join("\n")).toMatch(/ALERTS_URL/);
    expect(errors.join("\n")).toMatch(/ALERTS_FORMAT/);
    expect(errors.join("\n")).toMatch(/ALERTS_FAILING_AFTER/);
    expect(errors.join("\n")).toMatch(/ALERTS_PAUSE_AFTER_MINUTES/);
    expect(errors.join("\n")).toMatch(/ALERTS_SECRET: .*npm run secret/);
    expect(errors.join("\n")).not.toContain("not-a-secret-value");
  });

  it("take route thresholds and refuse bad ones", () => {
    const route = { name: "r", sources: "*", target: "dotted", url: "https://example.com/h" };
    expect(errorsOf({ ROUTES: [{ ...route, failingAfter: 3, pauseAfterMinutes: 0 }] })).toEqual([]);
    expect(errorsOf({ ROUTES: [{ ...route, failingAfter: 0, pauseAfterMinutes: 1.5 }] })).toEqual([
      "ROUTES[0].failingAfter: must be at least 1",
      "ROUTES[0].pauseAfterMinutes: must be a whole number of minutes (0: never pause)",
    ]);
  });
});
