import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import argon2 from "argon2";
import pLimit, { type LimitFunction } from "p-limit";
import type { PasswordHasher } from "../../domain/identity/ports.js";

/** OWASP's first argon2id configuration: m = 19 MiB, t = 2, p = 1. argon2 hashes on libuv's thread pool. */
const OWASP_ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * `concurrency`: most hashes and verifications running at once; the others wait their turn. argon2 runs on
 * libuv's thread pool (4 threads by default), and each run holds a core and 19 MiB: unbounded, a burst of
 * logins takes every core from every other call (GetProduct's p99 grew more than fourfold during one) and
 * four buffers at once.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  /** A moving average of recent hash times, which `imitateHash` waits for. */
  private typicalHashMs: number;
  private readonly limit: LimitFunction;

  private constructor(
    readonly placeholderHash: string,
    firstHashMs: number,
    concurrency: number,
  ) {
    this.typicalHashMs = firstHashMs;
    this.limit = pLimit(concurrency);
  }

  static async create(concurrency = 4): Promise<Argon2PasswordHasher> {
    const started = performance.now();
    const placeholder = await argon2.hash(randomBytes(32).toString("hex"), OWASP_ARGON2ID);
    return new Argon2PasswordHasher(placeholder, performance.now() - started, concurrency);
  }

  async hash(password: string): Promise<string> {
    return this.limit(async () => {
      const started = performance.now();
      const hash = await argon2.hash(password, OWASP_ARGON2ID);
      this.typicalHashMs = 0.8 * this.typicalHashMs + 0.2 * (performance.now() - started);
      return hash;
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return this.limit(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  async imitateHash(): Promise<void> {
    // It waits its turn as a hash would, so that under load it takes as long as one, queue included.
    await this.limit(() => sleep(this.typicalHashMs));
  }
}
