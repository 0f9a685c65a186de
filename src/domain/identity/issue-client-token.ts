import { InvalidArgument, Unauthenticated } from "../shared/errors.js";
import type { AccessToken, IdentityDeps } from "./ports.js";
import { principalOf } from "./principal.js";

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export const BAD_CLIENT = "invalid client id or secret";

/**
 * Client credentials -> an access token carrying the client's role and office or brands. An unknown client, a
 * wrong secret and a disabled client fail alike, so the answer reveals nothing about which clients exist.
 */
export async function issueClientToken(
  deps: Pick<IdentityDeps, "partnerClients" | "refreshTokens" | "accessTokens">,
  credentials: ClientCredentials,
): Promise<AccessToken> {
  if (credentials.clientId === "" || credentials.clientSecret === "") {
    throw new InvalidArgument([
      ...(credentials.clientId === "" ? [{ field: "client_id", description: "is required" }] : []),
      ...(credentials.clientSecret === "" ? [{ field: "client_secret", description: "is required" }] : []),
    ]);
  }
  if (credentials.clientSecret.length > 256) throw new Unauthenticated(BAD_CLIENT);
  const client = await deps.partnerClients.findById(credentials.clientId);
  // Comparing hashes: the secret is high-entropy, so timing on a hash of it reveals nothing usable.
  const presented = deps.refreshTokens.hash(credentials.clientSecret);
  if (!client || client.disabled || client.secretHash !== presented) throw new Unauthenticated(BAD_CLIENT);
  return deps.accessTokens.issue(principalOf(client));
}
