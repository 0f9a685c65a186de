import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  IdentityService,
  type LoginResponse,
  PartnerClientSchema,
  type PartnerClient as ProtoPartnerClient,
  Role as ProtoRole,
  type SigningKey as ProtoSigningKey,
  type User as ProtoUser,
  SigningKeySchema,
  UserSchema,
} from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import { createPartnerClient, type IssuedClientSecret } from "../../domain/identity/create-partner-client.js";
import { createUser } from "../../domain/identity/create-user.js";
import { getMe } from "../../domain/identity/get-me.js";
import { issueClientToken } from "../../domain/identity/issue-client-token.js";
import { login } from "../../domain/identity/login.js";
import { logout } from "../../domain/identity/logout.js";
import {
  disablePartnerClient,
  rotatePartnerClientSecret,
} from "../../domain/identity/manage-partner-client.js";
import type { PartnerClient } from "../../domain/identity/partner-client.js";
import type { IdentityDeps, SigningKeyInfo } from "../../domain/identity/ports.js";
import { refreshSession } from "../../domain/identity/refresh-session.js";
import { register } from "../../domain/identity/register.js";
import type { Role } from "../../domain/identity/role.js";
import { retireSigningKey, rotateSigningKeys } from "../../domain/identity/rotate-signing-keys.js";
import type { Session } from "../../domain/identity/session.js";
import type { User } from "../../domain/identity/user.js";
import { peerAddressKey, requirePrincipal } from "./rpc-context.js";

const ROLE_TO_PROTO: Record<Role, ProtoRole> = {
  CUSTOMER: ProtoRole.CUSTOMER,
  ADMIN: ProtoRole.ADMIN,
  REGIONAL_OFFICE: ProtoRole.REGIONAL_OFFICE,
  MANUFACTURER: ProtoRole.MANUFACTURER,
};

export function roleFromProto(role: ProtoRole): Role | undefined {
  return (Object.keys(ROLE_TO_PROTO) as Role[]).find((r) => ROLE_TO_PROTO[r] === role);
}

export function userToProto(user: User): ProtoUser {
  return create(UserSchema, {
    id: user.id,
    email: user.email,
    username: user.username,
    role: ROLE_TO_PROTO[user.role],
    createTime: timestampFromDate(user.createTime),
    officeCode: user.officeCode ?? "",
    brands: [...(user.brands ?? [])],
  });
}

export function partnerClientToProto(client: PartnerClient): ProtoPartnerClient {
  return create(PartnerClientSchema, {
    clientId: client.id,
    name: client.name,
    role: ROLE_TO_PROTO[client.role],
    officeCode: client.officeCode ?? "",
    brands: [...client.brands],
    disabled: client.disabled,
    createTime: timestampFromDate(client.createTime),
    secretCreateTime: timestampFromDate(client.secretCreateTime),
  });
}

const issuedSecretToProto = (issued: IssuedClientSecret) => ({
  clientId: issued.client.id,
  clientSecret: issued.secret,
  client: partnerClientToProto(issued.client),
});

function signingKeyToProto(key: SigningKeyInfo): ProtoSigningKey {
  return create(SigningKeySchema, { kid: key.kid, createTime: timestampFromDate(key.createTime) });
}

function sessionToProto(session: Session): Omit<LoginResponse, "$typeName"> {
  return {
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    expiresIn: BigInt(session.expiresInSeconds),
    user: userToProto(session.user),
    tokenType: "Bearer",
  };
}

export function identityService(deps: IdentityDeps): ServiceImpl<typeof IdentityService> {
  return {
    async register(req, ctx) {
      return {
        user: userToProto(await register(deps, { ...req, clientAddress: ctx.values.get(peerAddressKey) })),
      };
    },
    async login(req, ctx) {
      return sessionToProto(await login(deps, { ...req, clientAddress: ctx.values.get(peerAddressKey) }));
    },
    async refresh(req) {
      return sessionToProto(await refreshSession(deps, req.refreshToken));
    },
    async logout(req) {
      await logout(deps, req.refreshToken);
      return {};
    },
    async getMe(_req, ctx) {
      return { user: userToProto(await getMe(deps, requirePrincipal(ctx))) };
    },
    async createUser(req) {
      const user = await createUser(deps, { ...req, role: roleFromProto(req.role) });
      return { user: userToProto(user) };
    },
    async createPartnerClient(req) {
      return issuedSecretToProto(await createPartnerClient(deps, { ...req, role: roleFromProto(req.role) }));
    },
    async rotatePartnerClientSecret(req) {
      return issuedSecretToProto(await rotatePartnerClientSecret(deps, req.clientId));
    },
    async disablePartnerClient(req) {
      return { client: partnerClientToProto(await disablePartnerClient(deps, req.clientId)) };
    },
    async listPartnerClients() {
      return { clients: (await deps.partnerClients.list()).map(partnerClientToProto) };
    },
    async issueClientToken(req) {
      const token = await issueClientToken(deps, req);
      return { accessToken: token.token, expiresIn: BigInt(token.expiresInSeconds), tokenType: "Bearer" };
    },
    async rotateSigningKeys() {
      const { key, active } = await rotateSigningKeys(deps);
      return { key: signingKeyToProto(key), activeKeys: active.map(signingKeyToProto) };
    },
    async retireSigningKey(req) {
      await retireSigningKey(deps, req.kid);
      return {};
    },
  };
}

export { IdentityService };
