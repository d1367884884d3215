/**
 * Destination secrets are checked with the rest of the configuration: a malformed one is refused
 * before any event is accepted (webhooks 503 without detail), and the admin /health names the variable and
 * says how to make a good secret, never quoting the value.
 */
import { describe, expect, it } from "vitest";
import { adminHealth, call, testEnv } from "../../test/delivery/helpers.ts";
import chatwootMessage from "../../test/fixtures/chatwoot/message-created-incoming/source.json";
import { newSecret } from "../crypto/secrets.ts";
import { loadConfig } from "./index.ts";

const GOOD = "whsec_0w0c3+NFy1HV+EhilVGFrTd4CeFBYeB0+qkHB5m558A=";
const OPENSSL = "EmXGvFb8ioerNkdcIL5rN/CrjnjXSG8WgjQkDo0+V4w=";

const simple = (vars: Record<string, unknown>) =>
  testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/in", ...vars });
const routed = (route: Record<string, unknown>, vars: Record<string, unknown>) =>
  testEnv({
    ROUTES: [
      { name: "crm", sources: "*", target: "hoory", url: "https://example.com/crm", ...route },
    ],
    ...vars,
  });

function errorsOf(env: ReturnType<typeof testEnv>): string[] {
  const config = loadConfig(env);
  return config.ok ? [] : config.errors;
}

describe("destination secret checks", () => {
  it("accepts whsec_ secrets, bare base64 (openssl rand -base64 32), npm run secret's and rotations of them", () => {
    for (const secret of [
      GOOD,
      OPENSSL,
      newSecret(),
      `${GOOD},${OPENSSL}`,
      ` ${OPENSSL} , ${GOOD} `,
    ]) {
      expect(errorsOf(simple({ DESTINATION_SECRET: secret })), secret).toEqual([]);
      expect(errorsOf(routed({ secret: "CRM_SECRET" }, { CRM_SECRET: secret }))).toEqual([]);
    }
  });

  it("names the variable, says how to make a good secret, and never quotes the value", () => {
    const cases: Array<[ReturnType<typeof testEnv>, string, string]> = [
      [
        simple({ DESTINATION_SECRET: "out-secret-1" }),
        "DESTINATION_SECRET: is not base64",
        "out-secret-1",
      ],
      [
        simple({ DESTINATION_SECRET: "whsec_aG9vcnktc2VjcmV0" }),
        "DESTINATION_SECRET: decodes to a 12-byte key",
        "aG9vcnktc2VjcmV0",
      ],
      [
        routed({ secret: "CRM_SECRET" }, { CRM_SECRET: `${GOOD},whsec_not/valid` }),
        "CRM_SECRET (ROUTES[0].secret): value 2 of 2 is not padded base64",
        "not/valid",
      ],
      [
        routed({ secret: "CRM_SECRET" }, { CRM_SECRET: `typed secret,${GOOD}` }),
        "CRM_SECRET (ROUTES[0].secret): value 1 of 2 is not base64",
        "typed secret",
      ],
    ];
    for (const [env, expected, value] of cases) {
      const errors = errorsOf(env);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(expected);
      expect(errors[0]).toContain("npm run secret");
      expect(errors[0]).toContain("openssl rand -base64 32");
      expect(errors[0]).not.toContain(value);
    }
  });

  it("a route may name a separate native secret, used as written; it must be set and printable", () => {
    expect(
      errorsOf(
        routed(
          { secret: "CRM_SECRET", nativeSecret: "CRM_NATIVE" },
          { CRM_SECRET: GOOD, CRM_NATIVE: "typed-1" },
        ),
      ),
    ).toEqual([]);
    expect(errorsOf(simple({ DESTINATION_NATIVE_SECRET: "typed-1" }))).toEqual([]);
    expect(errorsOf(routed({ nativeSecret: "CRM_NATIVE" }, {}))).toEqual([
      "ROUTES[0].nativeSecret: the secret env var CRM_NATIVE is not set",
    ]);
    const spaced = errorsOf(routed({ nativeSecret: "CRM_NATIVE" }, { CRM_NATIVE: "two words" }));
    expect(spaced[0]).toContain("CRM_NATIVE (ROUTES[0].nativeSecret): must be printable ASCII");
    expect(spaced[0]).not.toContain("two words");
  });

  it("a malformed secret: webhooks answer 503 without detail; /health answers 500 naming it", async () => {
    const env = simple({ DESTINATION_SECRET: "out-secret-1" });
    const webhook = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
    });
    expect(webhook.status).toBe(503);
    const answer = await webhook.text();
    expect(JSON.parse(answer).error).toBe("invalid_config");
    expect(answer).not.toContain("DESTINATION_SECRET");
    expect(answer).not.toContain("out-secret-1");

    const health = await adminHealth(env);
    expect(health.status).toBe(500);
    const text = await health.text();
    expect((JSON.parse(text) as { errors: string[] }).errors.join("\n")).toContain(
      "DESTINATION_SECRET: is not base64",
    );
    expect(text).not.toContain("out-secret-1");
  });
});
