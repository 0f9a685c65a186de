import { createContextKey } from "@connectrpc/connect";
import type { FieldViolation } from "../../domain/shared/errors.js";

/**
 * What a transport found wrong with a request body before its decoder ran (invalid UTF-8, an unknown enum name in
 * JSON), for the RPC layer to refuse as INVALID_ARGUMENT like any other bad field, counted and mapped the same way.
 */
export const decodingFindingsKey = createContextKey<readonly FieldViolation[]>([], {
  description: "decoding findings",
});
