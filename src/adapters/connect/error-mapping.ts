import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../../gen/shopfloor/common/v1/common_pb.js";
import {
  DomainError,
  FailedPrecondition,
  InvalidArgument,
  ResourceExhausted,
} from "../../domain/shared/errors.js";
import { isDatabaseUnavailable } from "../postgres/database.js";

const CODES: Record<DomainError["kind"], Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/**
 * The one place a failure becomes a Connect/gRPC status. Domain errors keep their safe message (and field
 * violations as a shopfloor.common.v1.BadRequest detail); ConnectErrors pass as they are; a database that cannot
 * be reached is UNAVAILABLE (retry-safe); anything else is a bug, answered as INTERNAL with no detail (`report`
 * logs it with its stack).
 */
export function toConnectError(error: unknown, report: (error: unknown) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof DomainError) {
    const violations =
      error instanceof InvalidArgument || error instanceof FailedPrecondition ? error.violations : [];
    const details =
      violations.length > 0
        ? [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [...violations] }) }]
        : [];
    // Retry information as the header HTTP clients know (and a gRPC trailer): whole seconds to wait.
    const metadata =
      error instanceof ResourceExhausted && error.retryAfterSeconds !== undefined
        ? new Headers({ "retry-after": String(error.retryAfterSeconds) })
        : undefined;
    return new ConnectError(error.message, CODES[error.kind], metadata, details);
  }
  // The call's signal aborted (the client left, or the server is stopping): nobody's bug.
  if (error instanceof Error && error.name === "AbortError") {
    return new ConnectError("the call was cancelled", Code.Canceled);
  }
  if (isDatabaseUnavailable(error)) {
    return new ConnectError("the database is unavailable; retry shortly", Code.Unavailable);
  }
  report(error);
  return new ConnectError("internal error", Code.Internal);
}
