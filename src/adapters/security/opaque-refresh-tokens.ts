import { createHash, randomBytes } from "node:crypto";
import type { OpaqueTokens } from "../../domain/identity/ports.js";

/**
 * 256 random bits, base64url. Stored as SHA-256: a fast hash is right here (unlike passwords) because the
 * token is already high-entropy, and lookups by hash must be cheap.
 */
export class OpaqueRefreshTokens implements OpaqueTokens {
  generate(): string {
    return randomBytes(32).toString("base64url");
  }

  hash(token: string): string {
    return createHash("sha256").update(token).digest("base64url");
  }
}
