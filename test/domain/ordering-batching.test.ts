import { describe, expect, it } from "vitest";
import type { PlaceOrderCommand, PlaceOrderResult } from "../../src/domain/ordering/place-order.js";
import { PlaceOrderBatcher } from "../../src/domain/ordering/place-order-batcher.js";
import type { PlacementOutcome } from "../../src/domain/ordering/place-orders-together.js";
import type { PlacementRequest } from "../../src/domain/ordering/ports.js";

// The batcher's grouping rules, with a stand-in for the transaction that the test opens and closes: what
// waits while batches run, what goes into one batch, and who gets which answer.

const request = (customerId: string, idempotencyKey = ""): PlacementRequest => {
  const command: PlaceOrderCommand = {
    customerId,
    items: [{ productId: "p", quantity: 1 }],
    idempotencyKey,
    allowPartial: false,
  };
  return { command, lines: command.items };
};

const resultFor = (r: PlacementRequest): PlaceOrderResult =>
  ({ order: { id: `order of ${r.command.customerId}` }, rejected: [], replayed: false }) as never;

/** A transaction stand-in: each call is a batch that stays open until the test settles it. */
function gatedTransactions() {
  const batches: Array<{
    requests: readonly PlacementRequest[];
    settle(outcomes?: PlacementOutcome[]): void;
    fail(error: unknown): void;
  }> = [];
  const placeTogether = (requests: readonly PlacementRequest[]) =>
    new Promise<PlacementOutcome[]>((resolve, reject) => {
      batches.push({
        requests,
        settle: (outcomes) => resolve(outcomes ?? requests.map((r) => ({ ok: true, result: resultFor(r) }))),
        fail: reject,
      });
    });
  return { batches, placeTogether };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("PlaceOrderBatcher", () => {
  it("drops a queued order whose caller is gone before its batch starts, and places the rest", async () => {
    const { batches, placeTogether } = gatedTransactions();
    const batcher = new PlaceOrderBatcher(placeTogether, { maxBatch: 10, maxInFlight: 1 });
    const first = batcher.place(request("a"));
    const caller = new AbortController();
    const gone = expect(batcher.place({ ...request("b"), signal: caller.signal })).rejects.toThrow(
      "deadline exceeded",
    );
    const stays = batcher.place(request("c"));
    caller.abort(new Error("deadline exceeded"));
    batches[0]?.settle();
    await first;
    await settled();
    expect(batches[1]?.requests.map((r) => r.command.customerId)).toEqual(["c"]);
    await gone;
    batches[1]?.settle();
    expect((await stays).order.id).toBe("order of c");
  });

  it("starts an order at once when a batch slot is free, so a lone order never waits", async () => {
    const { batches, placeTogether } = gatedTransactions();
    const batcher = new PlaceOrderBatcher(placeTogether, { maxBatch: 10, maxInFlight: 2 });
    const first = batcher.place(request("a"));
    const second = batcher.place(request("b"));
    expect(batches.map((b) => b.requests.length)).toEqual([1, 1]);
    for (const b of batches) b.settle();
    expect((await first).order.id).toBe("order of a");
    expect((await second).order.id).toBe("order of b");
  });

  it("gathers the orders arriving while the slots are busy into the next batch, in arrival order, up to maxBatch", async () => {
    const { batches, placeTogether } = gatedTransactions();
    const batcher = new PlaceOrderBatcher(placeTogether, { maxBatch: 3, maxInFlight: 1 });
    const answers = ["a", "b", "c", "d", "e"].map((c) => batcher.place(request(c)));
    expect(batches).toHaveLength(1);
    batches[0]?.settle();
    await settled();
    expect(batches[1]?.requests.map((r) => r.command.customerId)).toEqual(["b", "c", "d"]);
    batches[1]?.settle();
    await settled();
    expect(batches[2]?.requests.map((r) => r.command.customerId)).toEqual(["e"]);
    batches[2]?.settle();
    expect((await Promise.all(answers)).map((r) => r.order.id)).toEqual(
      ["a", "b", "c", "d", "e"].map((c) => `order of ${c}`),
    );
  });

  it("keeps a repeat of a customer's idempotency key for a later batch, so it replays the first", async () => {
    const { batches, placeTogether } = gatedTransactions();
    const batcher = new PlaceOrderBatcher(placeTogether, { maxBatch: 10, maxInFlight: 1 });
    void batcher.place(request("blocker"));
    const answers = [
      batcher.place(request("a", "k")),
      batcher.place(request("a", "k")),
      batcher.place(request("b", "k")),
    ];
    batches[0]?.settle();
    await settled();
    expect(batches[1]?.requests.map((r) => `${r.command.customerId}/${r.command.idempotencyKey}`)).toEqual([
      "a/k",
      "b/k",
    ]);
    batches[1]?.settle();
    await settled();
    expect(batches[2]?.requests.map((r) => `${r.command.customerId}/${r.command.idempotencyKey}`)).toEqual([
      "a/k",
    ]);
    batches[2]?.settle();
    await Promise.all(answers);
  });

  it("answers each caller with its own outcome, and fails only the callers of a batch whose transaction failed", async () => {
    const { batches, placeTogether } = gatedTransactions();
    const batcher = new PlaceOrderBatcher(placeTogether, { maxBatch: 10, maxInFlight: 1 });
    const blocker = batcher.place(request("blocker"));
    const good = batcher.place(request("good"));
    const refused = batcher.place(request("refused"));
    batches[0]?.fail(new Error("database went away"));
    await expect(blocker).rejects.toThrow("database went away");
    await settled();
    const refusal = new Error("insufficient stock");
    const [goodRequest] = batches[1]?.requests ?? [];
    batches[1]?.settle([
      { ok: true, result: resultFor(goodRequest as PlacementRequest) },
      { ok: false, error: refusal },
    ]);
    expect((await good).order.id).toBe("order of good");
    await expect(refused).rejects.toBe(refusal);
  });
});
