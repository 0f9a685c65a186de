import { parseArgs } from "node:util";
import { OffersSimulator } from "../src/adapters/offers/offers-simulator.js";
import { parseDuration } from "../src/app/config.js";

// The Offers service simulator as a server of its own (docs/offers.md):
//
//   npm run offers-sim -- --port 8090 --seed s3 --refresh-token dev-refresh-token [--token-ttl 5m]
//
// then start Shopfloor with OFFERS_BASE_URL=http://127.0.0.1:8090/api/v1 OFFERS_REFRESH_TOKEN=dev-refresh-token.
// Fault switches: POST /_simulator/faults {"failNext":{"count":3,"path":"register"},"delayMs":30000,
// "expireTokens":true,"forget":["<product id>"]}; PUT /_simulator/products/<id>/offers [offers] pins a
// product's offers; GET /_simulator/stats counts every call.

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8090" },
    seed: { type: "string", default: "shopfloor" },
    "refresh-token": { type: "string", default: "dev-refresh-token" },
    "token-ttl": { type: "string", default: "5m" },
  },
});

const tokenTtlMs = parseDuration(values["token-ttl"]);
if (tokenTtlMs === undefined) {
  process.stderr.write(`--token-ttl must be a duration like 5m or 1500ms\n`);
  process.exit(2);
}
const simulator = await OffersSimulator.start({
  host: values.host,
  port: Number(values.port),
  seed: values.seed,
  refreshTokens: [values["refresh-token"]],
  tokenTtlMs,
});
process.stdout.write(
  `${JSON.stringify({ msg: "offers simulator ready", url: simulator.url, control: simulator.controlUrl })}\n`,
);
const stop = () => void simulator.stop().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
