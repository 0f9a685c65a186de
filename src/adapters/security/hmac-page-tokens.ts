import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { InvalidArgument } from "../../domain/shared/errors.js";
import type { CursorValue, PageTokens } from "../../domain/shared/page-tokens.js";

// A page token is base64url(JSON {v, s, c}) "." base64url(HMAC-SHA256): `c` the keyset cursor, `s` a hash of
// the query's scope (list, filters, order). The MAC makes tokens tamper-evident; the scope hash lets a token
// from another query be told apart from a forged one. The key is shared by every instance (stored in the
// database), so any instance continues a listing another one started. Tokens do not expire: the cursor
// only says where to resume, which a caller could reach by paging anyway.

const VERSION = 1;
/** Far above any real token (a 200-character name cursor is about 1 KB); longer input is refused unread. */
const MAX_TOKEN_LENGTH = 2048;
const MAX_CURSOR_VALUES = 8;
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

interface Sealed {
  readonly v: number;
  readonly s: string;
  readonly c: CursorValue[];
}

export class HmacPageTokens implements PageTokens {
  constructor(private readonly key: Uint8Array) {
    if (key.length < 32) throw new Error("page token key must be at least 32 bytes");
  }

  seal(scope: string, cursor: readonly CursorValue[]): string {
    const sealed: Sealed = { v: VERSION, s: scopeHash(scope), c: [...cursor] };
    const body = Buffer.from(JSON.stringify(sealed)).toString("base64url");
    return `${body}.${this.mac(body).toString("base64url")}`;
  }

  open(field: string, scope: string, token: string): readonly CursorValue[] {
    const invalid = () => InvalidArgument.field(field, "is not a valid page token (malformed or altered)");
    if (token.length > MAX_TOKEN_LENGTH || !SHAPE.test(token)) throw invalid();
    const [body = "", signature = ""] = token.split(".");
    const given = Buffer.from(signature, "base64url");
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();

    let sealed: unknown;
    try {
      sealed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    if (!isSealed(sealed)) throw invalid();
    if (sealed.s !== scopeHash(scope))
      throw InvalidArgument.field(field, "belongs to a different query (its filters or order changed)");
    return sealed.c;
  }

  private mac(body: string): Buffer {
    return createHmac("sha256", this.key).update(`shopfloor.page_token.${body}`).digest();
  }
}

function scopeHash(scope: string): string {
  return createHash("sha256").update(scope).digest().subarray(0, 16).toString("base64url");
}

function isSealed(value: unknown): value is Sealed {
  if (typeof value !== "object" || value === null) return false;
  const { v, s, c } = value as Record<string, unknown>;
  return (
    v === VERSION &&
    typeof s === "string" &&
    Array.isArray(c) &&
    c.length <= MAX_CURSOR_VALUES &&
    c.every((x) => typeof x === "string" || (typeof x === "number" && Number.isFinite(x)))
  );
}
