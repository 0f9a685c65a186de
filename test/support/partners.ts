import type { CallOptions } from "@connectrpc/connect";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, type Endpoints } from "./clients.js";
import type { SignedIn } from "./shop.js";
import { uniqueName } from "./test-app.js";

/** A partner client signed in with client credentials. */
export interface SignedInPartner {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly call: CallOptions;
}

/** A fresh office code, unique per call (2-32 characters of A-Z, 0-9, '-'). */
export const uniqueOfficeCode = (): string => uniqueName("OF-").toUpperCase();

/** An admin creates a partner client; it signs in with IssueClientToken. */
export async function signInPartnerClient(
  app: Endpoints,
  admin: SignedIn,
  scope: { officeCode: string } | { brands: string[] },
): Promise<SignedInPartner> {
  const identity = clientFor("connect", IdentityService, app);
  const created = await identity.createPartnerClient(
    "officeCode" in scope
      ? { name: `office ${scope.officeCode}`, role: Role.REGIONAL_OFFICE, officeCode: scope.officeCode }
      : { name: `factory ${scope.brands.join("+")}`, role: Role.MANUFACTURER, brands: scope.brands },
    admin.call,
  );
  const token = await identity.issueClientToken({
    clientId: created.clientId,
    clientSecret: created.clientSecret,
  });
  return { clientId: created.clientId, clientSecret: created.clientSecret, call: bearer(token.accessToken) };
}
