// The only failures the domain raises on purpose. Each carries a message that is safe to show a caller;
// src/adapters/connect/error-mapping.ts turns them into one Connect/gRPC code each. Anything else is a bug.

export interface FieldViolation {
  /** Path in proto field names, e.g. "items[2].quantity". */
  readonly field: string;
  readonly description: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind:
    | "invalid_argument"
    | "not_found"
    | "already_exists"
    | "failed_precondition"
    | "permission_denied"
    | "unauthenticated"
    | "resource_exhausted"
    | "unavailable";
}

export class InvalidArgument extends DomainError {
  readonly kind = "invalid_argument";
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; ") || "invalid request");
  }

  static field(field: string, description: string): InvalidArgument {
    return new InvalidArgument([{ field, description }]);
  }
}

export class NotFound extends DomainError {
  readonly kind = "not_found";
}

export class AlreadyExists extends DomainError {
  readonly kind = "already_exists";
  /** The proto field that collides, when one does (e.g. "email"). */
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class FailedPrecondition extends DomainError {
  readonly kind = "failed_precondition";
  constructor(
    message: string,
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message);
  }
}

export class PermissionDenied extends DomainError {
  readonly kind = "permission_denied";
}

export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
}

export class ResourceExhausted extends DomainError {
  readonly kind = "resource_exhausted";
  /** When trying again can succeed, in whole seconds; sent as a `retry-after` header or trailer too. */
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export class Unavailable extends DomainError {
  readonly kind = "unavailable";
}
