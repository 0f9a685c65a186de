import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import argon2 from "argon2";
import type { PasswordHasher } from "../../domain/identity/ports.js";

/** OWASP's first argon2id configuration: m = 19 MiB, t = 2, p = 1. argon2 hashes on libuv's thread pool. */
const OWASP_ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class Argon2PasswordHasher implements PasswordHasher {
  /** A moving average of recent hash times, which `imitateHash` waits for. */
  private typicalHashMs: number;

  private constructor(
    readonly placeholderHash: string,
    firstHashMs: number,
  ) {
    this.typicalHashMs = firstHashMs;
  }

  static async create(): Promise<Argon2PasswordHasher> {
    const started = performance.now();
    const placeholder = await argon2.hash(randomBytes(32).toString("hex"), OWASP_ARGON2ID);
    return new Argon2PasswordHasher(placeholder, performance.now() - started);
  }

  async hash(password: string): Promise<string> {
    const started = performance.now();
    const hash = await argon2.hash(password, OWASP_ARGON2ID);
    this.typicalHashMs = 0.8 * this.typicalHashMs + 0.2 * (performance.now() - started);
    return hash;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  async imitateHash(): Promise<void> {
    await sleep(this.typicalHashMs);
  }
}
