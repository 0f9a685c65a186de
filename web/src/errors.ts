import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/shopfloor/common/v1/common_pb.js";

/** An RPC failure as a person reads it: one sentence, plus the fields it names (proto field paths). */
export interface ReadableError {
  readonly message: string;
  /** Field path (e.g. "price.amount_minor", "items[2].quantity") -> what is wrong with it. */
  readonly fields: Readonly<Record<string, string>>;
}

const SENTENCES: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]: "Your session has ended. Please sign in again.",
  [Code.PermissionDenied]: "Your account may not do this.",
  [Code.NotFound]: "It does not exist (any more).",
  [Code.AlreadyExists]: "That already exists.",
  [Code.ResourceExhausted]: "Too many requests. Please wait a moment and try again.",
  [Code.Unavailable]: "Shopfloor cannot be reached right now. Please try again.",
  [Code.DeadlineExceeded]: "That took too long. Please try again.",
  [Code.Internal]: "Something went wrong on our side.",
};

export function readable(error: unknown): ReadableError {
  const err = ConnectError.from(error);
  const fields: Record<string, string> = {};
  for (const detail of err.findDetails(BadRequestSchema)) {
    for (const v of detail.fieldViolations) fields[v.field] = v.description;
  }
  // The server's own message says what is wrong for INVALID_ARGUMENT and FAILED_PRECONDITION; for the rest a
  // plain sentence reads better than a code.
  const own = err.rawMessage;
  const sentence =
    err.code === Code.InvalidArgument || err.code === Code.FailedPrecondition
      ? own
      : (SENTENCES[err.code] ?? own);
  return { message: sentence, fields };
}
