import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { PARTNER_ROLES, type PartnerClient } from "./partner-client.js";
import { checkPartnerScope } from "./partner-scope.js";
import type { IdentityDeps } from "./ports.js";
import type { Role } from "./role.js";

export interface CreatePartnerClientCommand {
  readonly name: string;
  readonly role: Role | undefined;
  readonly officeCode: string;
  readonly brands: readonly string[];
}

export interface IssuedClientSecret {
  readonly client: PartnerClient;
  /** Shown to the admin once; only its hash is stored. */
  readonly secret: string;
}

/** An admin creates a client for a regional office or a manufacturer. */
export async function createPartnerClient(
  deps: Pick<IdentityDeps, "partnerClients" | "brands" | "refreshTokens" | "clock" | "ids">,
  command: CreatePartnerClientCommand,
): Promise<IssuedClientSecret> {
  const v = new Violations();
  const name = command.name.trim();
  checkText(v, "name", name, { min: 1, max: 100 });
  const role = command.role;
  if (!role || !PARTNER_ROLES.includes(role))
    v.add("role", "must be ROLE_REGIONAL_OFFICE or ROLE_MANUFACTURER");
  const scope = await checkPartnerScope(v, deps.brands, role, command.officeCode, command.brands);
  v.throwIfAny();

  const secret = deps.refreshTokens.generate();
  const now = deps.clock.now();
  const client: PartnerClient = {
    id: deps.ids.newId(),
    name,
    role: role as Role,
    officeCode: scope.officeCode,
    brands: scope.brands,
    secretHash: deps.refreshTokens.hash(secret),
    disabled: false,
    createTime: now,
    secretCreateTime: now,
  };
  await deps.partnerClients.insert(client);
  return { client, secret };
}
