import { createHash } from "node:crypto";
import type { PartnerClient } from "../../../src/domain/identity/partner-client.js";
import type {
  IdentityDeps,
  IdentityTx,
  LoginAdmission,
  LoginSubject,
  LoginThrottle,
  PartnerClientRepository,
  RefreshTokenRecord,
  RefreshTokenStore,
  UserRepository,
} from "../../../src/domain/identity/ports.js";
import type { Role } from "../../../src/domain/identity/role.js";
import type { User } from "../../../src/domain/identity/user.js";
import type { DomainEvent } from "../../../src/domain/shared/domain-event.js";
import { AlreadyExists } from "../../../src/domain/shared/errors.js";

/** In-memory twins of the identity ports, for domain tests without I/O. Transactions are not rolled back. */
export class FakeUsers implements UserRepository {
  readonly rows = new Map<string, User>();
  async insert(user: User): Promise<void> {
    for (const u of this.rows.values()) {
      if (u.email.toLowerCase() === user.email.toLowerCase()) throw new AlreadyExists("email: taken");
      if (u.username.toLowerCase() === user.username.toLowerCase())
        throw new AlreadyExists("username: taken");
    }
    this.rows.set(user.id, user);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findByLogin(login: string) {
    const key = login.toLowerCase();
    return [...this.rows.values()].find(
      (u) => u.username.toLowerCase() === key || u.email.toLowerCase() === key,
    );
  }
  async findTaken(email: string, username: string) {
    const all = [...this.rows.values()];
    return {
      email: all.some((u) => u.email.toLowerCase() === email.toLowerCase()),
      username: all.some((u) => u.username.toLowerCase() === username.toLowerCase()),
    };
  }
  async existsWithRole(role: Role) {
    return [...this.rows.values()].some((u) => u.role === role);
  }
}

export class FakeRefreshTokens implements RefreshTokenStore {
  readonly rows = new Map<string, RefreshTokenRecord>();
  async insert(record: RefreshTokenRecord) {
    this.rows.set(record.id, record);
  }
  async findByHashForUpdate(tokenHash: string) {
    return [...this.rows.values()].find((r) => r.tokenHash === tokenHash);
  }
  async markRotated(id: string, at: Date) {
    const r = this.rows.get(id);
    if (r) this.rows.set(id, { ...r, rotatedAt: at });
  }
  async revokeFamily(familyId: string, at: Date) {
    for (const [id, r] of this.rows)
      if (r.familyId === familyId && !r.revokedAt) this.rows.set(id, { ...r, revokedAt: at });
  }
}

export class FakePartnerClients implements PartnerClientRepository {
  readonly rows = new Map<string, PartnerClient>();
  async insert(client: PartnerClient) {
    this.rows.set(client.id, client);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async list() {
    return [...this.rows.values()];
  }
  async replaceSecret(id: string, secretHash: string, at: Date) {
    const c = this.rows.get(id);
    if (!c) return undefined;
    const updated = { ...c, secretHash, secretCreateTime: at };
    this.rows.set(id, updated);
    return updated;
  }
  async disable(id: string) {
    const c = this.rows.get(id);
    if (!c) return undefined;
    const updated = { ...c, disabled: true };
    this.rows.set(id, updated);
    return updated;
  }
}

/** The brand codes the fakes know: the seeded ones. */
export const FAKE_BRANDS = ["skoda", "vw", "audi"];

export class FakeThrottle implements LoginThrottle {
  readonly failures = new Map<string, number>();
  constructor(private readonly max = 1000) {}
  async admit(subject: LoginSubject): Promise<LoginAdmission> {
    const keys = [subject.account];
    if (subject.addressGroup) keys.push(`address:${subject.addressGroup}`);
    if (keys.some((k) => (this.failures.get(k) ?? 0) >= this.max)) {
      return { admitted: false, reason: "failures", retryAfterSeconds: 60 };
    }
    return {
      admitted: true,
      finish: async (failed) => {
        if (failed) for (const k of keys) this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
      },
    };
  }
}

export interface IdentityFakes {
  readonly deps: IdentityDeps;
  readonly users: FakeUsers;
  readonly tokens: FakeRefreshTokens;
  readonly events: DomainEvent[];
  readonly throttle: FakeThrottle;
  readonly partnerClients: FakePartnerClients;
  /** Moves the fake clock. */
  advance(ms: number): void;
  /** Passwords verified, in order (to check that unknown logins still verify). */
  readonly verified: string[];
  /** How often a hash was imitated rather than computed. */
  readonly imitatedHashes: number[];
  /** The client network of every sign-up admitted or refused, in order. */
  readonly signUps: Array<string | undefined>;
}

export function identityFakes(options: { maxFailures?: number; maxSignUps?: number } = {}): IdentityFakes {
  const users = new FakeUsers();
  const tokens = new FakeRefreshTokens();
  const events: DomainEvent[] = [];
  const throttle = new FakeThrottle(options.maxFailures);
  const verified: string[] = [];
  const partnerClients = new FakePartnerClients();
  const imitatedHashes: number[] = [];
  const signUps: Array<string | undefined> = [];
  let now = Date.parse("2026-01-01T00:00:00Z");
  let seq = 0;
  const tx: IdentityTx = {
    users,
    refreshTokens: tokens,
    outbox: { append: async (e) => void events.push(e) },
  };
  const deps: IdentityDeps = {
    uow: { run: (work) => work(tx) },
    users,
    passwords: {
      hash: async (p) => `hash:${p}`,
      verify: async (hash, p) => {
        verified.push(hash);
        return hash === `hash:${p}`;
      },
      placeholderHash: "hash:placeholder-secret",
      imitateHash: async () => void imitatedHashes.push(1),
    },
    loginThrottle: throttle,
    signUpThrottle: {
      admit: async (group) => {
        signUps.push(group);
        return signUps.filter((g) => g === group).length > (options.maxSignUps ?? 1000)
          ? { admitted: false, retryAfterSeconds: 60 }
          : { admitted: true };
      },
    },
    accessTokens: {
      issue: async (p) => ({
        token: `access:${p.userId}:${p.role}:${p.officeCode ?? ""}:${(p.brands ?? []).join(",")}`,
        expiresInSeconds: 900,
      }),
    },
    partnerClients,
    brands: { unknown: async (codes) => codes.filter((c) => !FAKE_BRANDS.includes(c)) },
    signingKeys: {
      rotate: async () => ({ key: { kid: "k2", createTime: new Date(now) }, active: [] }),
      retire: async (kid) => (kid === "k1" ? "newest" : "not_found"),
    },
    refreshTokens: {
      generate: () => `refresh-${++seq}`,
      hash: (t) => createHash("sha256").update(t).digest("hex"),
    },
    clock: { now: () => new Date(now) },
    ids: { newId: () => `00000000-0000-7000-8000-${String(++seq).padStart(12, "0")}` },
    refreshTokenTtlSeconds: 3600,
  };
  return {
    deps,
    users,
    tokens,
    events,
    throttle,
    partnerClients,
    verified,
    imitatedHashes,
    signUps,
    advance: (ms) => {
      now += ms;
    },
  };
}
