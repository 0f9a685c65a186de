import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, SURFACES, type Surface } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// WatchOrder's caps (per user and per instance) and its end when the token that opened it expires.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    env: { WATCH_MAX_STREAMS_PER_USER: "2", WATCH_MAX_STREAMS: "3", ACCESS_TOKEN_TTL: "8s" },
  });
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

/** Opens a watch and resolves once its first message arrived; `ended` settles with how it ended. */
async function openWatch(surface: Surface, customer: SignedIn, orderId: string) {
  const leave = new AbortController();
  let first: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    first = resolve;
  });
  const ended = (async () => {
    for await (const _ of clientFor(surface, OrderService, app).watchOrder(
      { orderId },
      { ...customer.call, signal: leave.signal },
    ))
      first();
  })().then(
    () => "ended" as const,
    (error: unknown) => ConnectError.from(error),
  );
  await Promise.race([started, ended]);
  return { leave: () => leave.abort(), ended };
}

async function customerWithOrder(): Promise<{ customer: SignedIn; orderId: string }> {
  // Signed in afresh each time: tokens live only 8 s here.
  const customer = await registerCustomer(app);
  const [product] = await createProducts(app, await signInAdmin(app), [{ stock: 5 }]);
  const { order } = await clientFor("connect", OrderService, app).placeOrder(
    { items: [{ productId: product?.id ?? "", quantity: 1 }] },
    customer.call,
  );
  return { customer, orderId: order?.id ?? "" };
}

describe.each(SURFACES)("WatchOrder limits over %s", (surface) => {
  it("caps streams per user and per instance with RESOURCE_EXHAUSTED, and frees a slot on close", async () => {
    const alice = await customerWithOrder();
    const bob = await customerWithOrder();
    const carol = await customerWithOrder();
    const a1 = await openWatch(surface, alice.customer, alice.orderId);
    const a2 = await openWatch(surface, alice.customer, alice.orderId);
    const a3 = await openWatch(surface, alice.customer, alice.orderId);
    expect((await a3.ended) as ConnectError).toMatchObject({ code: Code.ResourceExhausted });

    const b1 = await openWatch(surface, bob.customer, bob.orderId); // the third on this instance
    const c1 = await openWatch(surface, carol.customer, carol.orderId);
    const refused = (await c1.ended) as ConnectError;
    expect(refused.code).toBe(Code.ResourceExhausted);

    a1.leave();
    await a1.ended;
    const again = await eventually(async () => {
      const w = await openWatch(surface, carol.customer, carol.orderId);
      const outcome = await Promise.race([w.ended, new Promise((r) => setTimeout(r, 200, "open"))]);
      if (outcome !== "open") throw new Error(`refused: ${String(outcome)}`);
      return w;
    });
    for (const w of [a2, b1, again]) {
      w.leave();
      await w.ended;
    }
  });

  it("ends a stream with UNAUTHENTICATED when the access token that opened it expires", async () => {
    const { customer, orderId } = await customerWithOrder();
    const watch = await openWatch(surface, customer, orderId);
    const outcome = await watch.ended; // the token lives 8 s here
    expect(outcome).toBeInstanceOf(ConnectError);
    expect((outcome as ConnectError).code).toBe(Code.Unauthenticated);
    expect((outcome as ConnectError).rawMessage).toMatch(/expired/);
  }, 20_000);
});
