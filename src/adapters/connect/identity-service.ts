import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  IdentityService,
  type LoginResponse,
  Role as ProtoRole,
  type SigningKey as ProtoSigningKey,
  type User as ProtoUser,
  SigningKeySchema,
  UserSchema,
} from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import { createUser } from "../../domain/identity/create-user.js";
import { getMe } from "../../domain/identity/get-me.js";
import { login } from "../../domain/identity/login.js";
import { logout } from "../../domain/identity/logout.js";
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
  });
}

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
