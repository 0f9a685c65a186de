import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { OffersDeps } from "./ports.js";
import type { Registration, RegistrationState } from "./registration.js";

// The registration state admins follow (GetOfferRegistration, ListOfferRegistrations); the access policy
// lets only admins call them.

export async function getOfferRegistration(
  deps: Pick<OffersDeps, "registrations">,
  productId: string,
): Promise<Registration> {
  const v = new Violations();
  const id = checkId(v, "product_id", productId);
  v.throwIfAny();
  const registration = await deps.registrations.find(id);
  if (!registration) throw new NotFound("no registration for this product");
  return registration;
}

export async function listOfferRegistrations(
  deps: Pick<OffersDeps, "registrations" | "pageTokens">,
  command: {
    readonly state: RegistrationState | undefined;
    readonly pageSize: number;
    readonly pageToken: string;
  },
): Promise<Page<Registration>> {
  const v = new Violations();
  const size = pageSizeOf(v, "page_size", command.pageSize);
  v.throwIfAny();
  const scope = JSON.stringify(["offers.registrations", command.state ?? ""]);
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, ["string"] as const);
  const rows = await deps.registrations.list({ state: command.state, afterId: cursor?.[0], limit: size + 1 });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.productId]);
}
