import { NotFound } from "../shared/errors.js";
import type { IssuedClientSecret } from "./create-partner-client.js";
import type { PartnerClient } from "./partner-client.js";
import type { IdentityDeps } from "./ports.js";

// An admin's later changes to a partner client. Tokens already issued are not revoked by either: access tokens
// are short-lived and verified without a lookup, so they run out within the access-token lifetime.

/** A new secret replaces the old one at once. */
export async function rotatePartnerClientSecret(
  deps: Pick<IdentityDeps, "partnerClients" | "refreshTokens" | "clock">,
  clientId: string,
): Promise<IssuedClientSecret> {
  const secret = deps.refreshTokens.generate();
  const client = await deps.partnerClients.replaceSecret(
    clientId,
    deps.refreshTokens.hash(secret),
    deps.clock.now(),
  );
  if (!client) throw new NotFound("partner client not found");
  return { client, secret };
}

/** A disabled client gets no more tokens; there is no re-enabling (create a new client instead). */
export async function disablePartnerClient(
  deps: Pick<IdentityDeps, "partnerClients">,
  clientId: string,
): Promise<PartnerClient> {
  const client = await deps.partnerClients.disable(clientId);
  if (!client) throw new NotFound("partner client not found");
  return client;
}
