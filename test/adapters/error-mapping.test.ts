import { Code, ConnectError } from "@connectrpc/connect";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { toConnectError } from "../../src/adapters/connect/error-mapping.js";
import { FailedPrecondition, InvalidArgument, NotFound } from "../../src/domain/shared/errors.js";

describe("toConnectError", () => {
  const bugs: unknown[] = [];
  const map = (error: unknown) => toConnectError(error, (bug) => bugs.push(bug));

  it("gives each domain failure its one code and keeps its safe message", () => {
    expect(map(new NotFound("order not found")).code).toBe(Code.NotFound);
    const invalid = map(InvalidArgument.field("email", "must be a valid email address"));
    expect(invalid.code).toBe(Code.InvalidArgument);
    expect(invalid.rawMessage).toBe("email: must be a valid email address");
    expect(invalid.details).toHaveLength(1);
    expect(map(new FailedPrecondition("insufficient stock")).code).toBe(Code.FailedPrecondition);
    expect(bugs).toEqual([]);
  });

  it("answers a database that dropped or refused us with UNAVAILABLE, not as a bug", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const closed = Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
    const shutdown = new postgres.PostgresError({
      code: "57P01",
      message: "terminating connection",
    } as never);
    for (const error of [reset, closed, shutdown]) expect(map(error).code).toBe(Code.Unavailable);
    expect(bugs).toEqual([]);
  });

  it("answers anything else as INTERNAL without detail, and reports it", () => {
    const bug = new TypeError("cannot read properties of undefined");
    const mapped = map(bug);
    expect(mapped.code).toBe(Code.Internal);
    expect(mapped.rawMessage).toBe("internal error");
    expect(bugs).toEqual([bug]);
    const constraint = new postgres.PostgresError({ code: "23503", message: "foreign key" } as never);
    expect(map(constraint).code).toBe(Code.Internal);
  });

  it("passes a ConnectError through", () => {
    const error = new ConnectError("slow down", Code.ResourceExhausted);
    expect(map(error)).toBe(error);
  });
});
