// Load over Connect JSON with autocannon, run as its own process by bench/bench.ts. Each request is one of
// `requests`, picked at random, so orders spread over many products and customers. With `distinct`, that
// marker in a body is replaced by a number no other request of the run carries (warm-up included), so that
// every request is a new one (SubmitSale's external order numbers).
import autocannon from "autocannon";
import { inputOf, printResult } from "./load-result.js";

interface Input {
  readonly url: string;
  /** e.g. /shopfloor.catalog.v1.CatalogService/GetProduct */
  readonly path: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** An empty token sends no authorization header. */
  readonly requests: ReadonlyArray<{ readonly body: string; readonly token: string }>;
  readonly distinct?: string;
}

const input = inputOf<Input>();
const pick = () => input.requests[Math.floor(Math.random() * input.requests.length)] ?? input.requests[0];
let sequence = 0;
const bodyOf = (body: string) =>
  input.distinct ? body.replaceAll(input.distinct, String(sequence++)) : body;

const run = (seconds: number) =>
  autocannon({
    url: input.url,
    connections: input.connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: input.path,
        setupRequest: (request) => {
          const chosen = pick();
          return {
            ...request,
            body: bodyOf(chosen?.body ?? "{}"),
            headers: {
              "content-type": "application/json",
              ...(chosen?.token ? { authorization: `Bearer ${chosen.token}` } : {}),
            },
          };
        },
      },
    ],
  });

if (input.warmupSeconds > 0) await run(input.warmupSeconds);
const result = await run(input.seconds);
printResult({
  rps: result["2xx"] / input.seconds,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
});
