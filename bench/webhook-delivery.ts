// Outbound webhook delivery: how long from UpdatePurchaseState answering until the office's endpoint has the
// signed POST, and how many deliveries per second go out, with many offices changing purchases at once. Runs
// a fresh app (PostgreSQL with JetStream when NATS_URL is set, else the in-process bus; PGlite with --pglite)
// in this process and local receivers that verify every signature with the standardwebhooks package.
//
// Usage: node --import tsx bench/webhook-delivery.ts [--pglite] [--offices 32] [--changes 4]
import { parseArgs } from "node:util";
import { IdentityService, Role } from "../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService, PurchaseState } from "../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { loadConfig } from "../src/app/config.js";
import { startApp } from "../src/app/container.js";
import { bearer, clientFor, closeGrpcClients } from "../test/support/clients.js";
import { eventually } from "../test/support/eventually.js";
import { WebhookReceiver } from "../test/support/webhook-receiver.js";
import { createBenchDatabase } from "./bench-database.js";

const { values } = parseArgs({
  options: {
    pglite: { type: "boolean", default: false },
    offices: { type: "string", default: "32" },
    changes: { type: "string", default: "4" },
  },
});
const officeCount = Number(values.offices);
const changesPerOffice = Number(values.changes);

const benchDatabase = values.pglite ? undefined : await createBenchDatabase();
const ADMIN = { email: "bench-admin@example.com", password: "Bench-Admin-Passw0rd!" };
const app = await startApp(
  loadConfig({
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    WEBHOOK_ALLOW_PRIVATE: "true",
    ...(benchDatabase
      ? { DATABASE_URL: benchDatabase.url, NATS_URL: process.env.NATS_URL ?? "" }
      : { SHOPFLOOR_DATA_DIR: ":memory:", DEMO_DATA: "false" }),
  }),
);

const identity = clientFor("connect", IdentityService, app);
const mf = clientFor("connect", ManufacturingService, app);
const adminCall = bearer(
  (await identity.login({ login: ADMIN.email, password: ADMIN.password })).accessToken,
);
const partner = async (init: { role: Role; officeCode?: string; brands?: string[] }) => {
  const created = await identity.createPartnerClient({ name: "bench", ...init }, adminCall);
  const { clientId, clientSecret } = created;
  const token = await identity.issueClientToken({ clientId, clientSecret });
  return bearer(token.accessToken);
};
const factory = await partner({ role: Role.MANUFACTURER, brands: ["skoda"] });

/** When each (purchase, sequence) change was answered, and when its webhook arrived. */
const answered = new Map<string, number>();
const arrived = new Map<string, number>();
const receiver = await WebhookReceiver.start((request) => {
  const data = request.payload?.data;
  if (data && request.payload?.type === "purchase.state_changed") {
    const key = `${data.purchase.id}:${String(data.sequence)}`;
    if (!arrived.has(key)) arrived.set(key, performance.now());
  }
  return 204;
});

const offices = await Promise.all(
  Array.from({ length: officeCount }, async (_, i) => {
    const call = await partner({ role: Role.REGIONAL_OFFICE, officeCode: `BENCH-${i}` });
    const { secret } = await mf.registerWebhook({ url: receiver.url }, call);
    receiver.secrets.push(secret);
    const purchaseIds: string[] = [];
    for (let n = 0; n < changesPerOffice; n++) {
      const { purchaseId } = await mf.submitSale(
        { externalOrderNumber: `B-${i}-${n}`, brand: "skoda", carModel: "Octavia" },
        call,
      );
      purchaseIds.push(purchaseId);
    }
    return { call, purchaseIds };
  }),
);
const purchaseIds = offices.flatMap((o) => o.purchaseIds);
await eventually(
  () => Promise.all(purchaseIds.map((purchaseId) => mf.getPurchase({ purchaseId }, adminCall))),
  {
    timeoutMs: 300_000,
  },
);

// The load: every office's purchases move to IN_PRODUCTION then BUILT, all offices at once.
const started = performance.now();
await Promise.all(
  offices.map(async ({ purchaseIds: mine }) => {
    for (const purchaseId of mine) {
      for (const [sequence, state] of [PurchaseState.IN_PRODUCTION, PurchaseState.BUILT].entries()) {
        await mf.updatePurchaseState({ purchaseId, state }, factory);
        answered.set(`${purchaseId}:${sequence + 1}`, performance.now());
      }
    }
  }),
);
await eventually(
  () => {
    if (arrived.size < answered.size) throw new Error(`${arrived.size}/${answered.size} delivered`);
  },
  { timeoutMs: 120_000, intervalMs: 50 },
);
const finished = Math.max(...arrived.values());
const lags = [...answered].map(([key, t]) => (arrived.get(key) ?? Number.NaN) - t).sort((a, b) => a - b);
const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? Number.NaN;
const unsigned = receiver.received.filter((r) => r.verifiedBy.length === 0).length;
process.stdout.write(
  `${app.config.natsUrl ? "JetStream" : "in-process bus"} on ${benchDatabase ? "PostgreSQL" : "PGlite"}, ` +
    `${officeCount} offices x ${changesPerOffice} purchases x 2 changes = ${answered.size} deliveries\n` +
    `  delivered ${((answered.size / (finished - started)) * 1000).toFixed(0)}/s; lag from answer to receipt ` +
    `p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms, max ${pct(100).toFixed(0)} ms; ` +
    `${unsigned} requests without a valid signature\n`,
);

closeGrpcClients();
await receiver.close();
await app.stop();
await benchDatabase?.drop();
