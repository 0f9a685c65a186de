import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HmacPageTokens } from "../../src/adapters/security/hmac-page-tokens.js";
import { InvalidArgument } from "../../src/domain/shared/errors.js";
import type { PageTokens } from "../../src/domain/shared/page-tokens.js";

// The PageTokens contract, run against every adapter of the port (one so far).
const ADAPTERS: Array<[string, () => PageTokens]> = [
  ["HmacPageTokens", () => new HmacPageTokens(randomBytes(32))],
];

describe.each(ADAPTERS)("PageTokens: %s", (_name, make) => {
  const scope = JSON.stringify(["catalog.products", "", "", "price", "asc"]);
  const refused = (tokens: PageTokens, token: string, inScope = scope) => {
    const error = (() => {
      try {
        tokens.open("page_token", inScope, token);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidArgument);
    expect((error as InvalidArgument).violations[0]?.field).toBe("page_token");
    return (error as Error).message;
  };

  it("opens what it sealed for the same scope, values and types intact", () => {
    const tokens = make();
    const cursor = [1999, "0190f0e0-0000-7000-8000-000000000001", "naïve “name” 😀"];
    const token = tokens.seal(scope, cursor);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(tokens.open("page_token", scope, token)).toEqual(cursor);
  });

  it("refuses a token sealed for another scope, saying so", () => {
    const tokens = make();
    const token = tokens.seal(scope, [1, "a"]);
    expect(refused(tokens, token, JSON.stringify(["catalog.products", "", "", "price", "desc"]))).toMatch(
      /different query/,
    );
  });

  it("refuses truncated, extended, altered and re-signed tokens", () => {
    const tokens = make();
    const token = tokens.seal(scope, [1, "a"]);
    const [body = "", mac = ""] = token.split(".");
    const altered = Buffer.from(JSON.stringify({ v: 1, s: "x", c: [0, "a"] })).toString("base64url");
    for (const bad of [
      token.slice(0, -1),
      token.slice(1),
      `${token}A`,
      body,
      `${altered}.${mac}`,
      `${body}.${Buffer.alloc(32).toString("base64url")}`,
      make().seal(scope, [1, "a"]),
      "",
      ".",
      "not a token",
      "a".repeat(10_000),
      `${body}.${mac}.${mac}`,
    ]) {
      refused(tokens, bad);
    }
  });
});
