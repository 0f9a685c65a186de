import { describe, expect, it } from "vitest";
import { Argon2PasswordHasher } from "../../src/adapters/security/argon2-password-hasher.js";

// PASSWORD_HASH_CONCURRENCY: hashes beyond the limit wait their turn (so a burst of logins leaves cores to the
// other calls), and the sign-up imitation of a hash waits in the same queue, so it takes as long as a hash
// under load too.

describe("Argon2PasswordHasher's limit of hashes at once", () => {
  it("runs one at a time with a limit of one, in arrival order, the imitation included", async () => {
    const hasher = await Argon2PasswordHasher.create(1);
    const hash = await hasher.hash("correct horse battery");
    const finished: string[] = [];
    const track = <T>(name: string, work: Promise<T>) =>
      work.then((value) => {
        finished.push(name);
        return value;
      });
    const results = await Promise.all([
      track("verify-1", hasher.verify(hash, "correct horse battery")),
      track("imitation", hasher.imitateHash()),
      track("verify-2", hasher.verify(hash, "wrong horse battery")),
      track("hash", hasher.hash("another password")),
    ]);
    expect(finished).toEqual(["verify-1", "imitation", "verify-2", "hash"]);
    expect(results[0]).toBe(true);
    expect(results[2]).toBe(false);
    expect(await hasher.verify(String(results[3]), "another password")).toBe(true);
  }, 30_000);

  it("still answers every call when more arrive than may run", async () => {
    const hasher = await Argon2PasswordHasher.create(2);
    const hash = await hasher.hash("s3cret enough");
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => hasher.verify(hash, i % 2 === 0 ? "s3cret enough" : "nope")),
    );
    expect(answers).toEqual([true, false, true, false, true, false]);
  }, 30_000);
});
