import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import type { PasswordHasher } from "../../domain/identity/ports.js";

/** OWASP's first argon2id configuration: m = 19 MiB, t = 2, p = 1. argon2 hashes on libuv's thread pool. */
const OWASP_ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class Argon2PasswordHasher implements PasswordHasher {
  private constructor(readonly placeholderHash: string) {}

  static async create(): Promise<Argon2PasswordHasher> {
    return new Argon2PasswordHasher(await argon2.hash(randomBytes(32).toString("hex"), OWASP_ARGON2ID));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, OWASP_ARGON2ID);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
