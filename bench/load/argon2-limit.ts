// The login limit, run as its own process by bench/bench.ts: argon2 verifies per second of a hash made with
// the app's own parameters (Argon2PasswordHasher), on a libuv thread pool of the same size as the app's and
// with the app's default limit of hashes at once (PASSWORD_HASH_CONCURRENCY).
import { Argon2PasswordHasher } from "../../src/adapters/security/argon2-password-hasher.js";
import { DEFAULT_PASSWORD_HASH_CONCURRENCY } from "../../src/app/config.js";
import { closedLoop, inputOf, printResult } from "./load-result.js";

interface Input {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

const input = inputOf<Input>();
const hasher = await Argon2PasswordHasher.create(DEFAULT_PASSWORD_HASH_CONCURRENCY);
const password = "bench-password-1";
const hash = await hasher.hash(password);
printResult(
  await closedLoop(input.connections, input.warmupSeconds, input.seconds, async () => {
    if (!(await hasher.verify(hash, password))) throw new Error("verify failed");
  }),
);
