import { createClient } from "@connectrpc/connect";
import { createContext, type ReactNode, useContext, useMemo, useState, useSyncExternalStore } from "react";
import { IdentityService, Role, type User } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { anonymousTransport, createTransport, type TokenSource } from "./transport.js";

// Tokens live in memory only: nothing a script injected into another tab or a later visitor could read from
// storage. Reloading the page therefore signs out; that is the price of not keeping a refresh token in storage.

interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly user: User;
}

const identity = createClient(IdentityService, anonymousTransport);

/** The signed-in session outside React, so the transport's interceptor always reads the current token. */
class SessionStore implements TokenSource {
  private tokens: Tokens | undefined;
  private renewing: Promise<boolean> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  readonly user = (): User | undefined => this.tokens?.user;
  accessToken(): string | undefined {
    return this.tokens?.accessToken;
  }

  private adopt(next: Tokens | undefined, expiresIn?: bigint) {
    this.tokens = next;
    clearTimeout(this.timer);
    // Rotate a minute before the access token expires, so an open page keeps working without a failed call.
    if (next && expiresIn) {
      const ms = Math.max(5_000, (Number(expiresIn) - 60) * 1000);
      this.timer = setTimeout(() => void this.renew(), ms);
    }
    for (const listener of this.listeners) listener();
  }

  async signIn(login: string, password: string) {
    const r = await identity.login({ login, password });
    if (!r.user) throw new Error("no user in Login response");
    this.adopt({ accessToken: r.accessToken, refreshToken: r.refreshToken, user: r.user }, r.expiresIn);
  }

  /** Single-flight: calls that meet an expired token at once share one Refresh. False: the session is over. */
  renew(): Promise<boolean> {
    if (this.renewing) return this.renewing;
    const refreshToken = this.tokens?.refreshToken;
    if (!refreshToken) return Promise.resolve(false);
    this.renewing = identity
      .refresh({ refreshToken })
      .then((r) => {
        if (!r.user) throw new Error("no user in Refresh response");
        this.adopt({ accessToken: r.accessToken, refreshToken: r.refreshToken, user: r.user }, r.expiresIn);
        return true;
      })
      .catch(() => {
        this.adopt(undefined);
        return false;
      })
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  async signOut() {
    const refreshToken = this.tokens?.refreshToken;
    this.adopt(undefined);
    // Revokes the whole refresh family on the server; the access token dies within its 15 minutes.
    if (refreshToken) await identity.logout({ refreshToken }).catch(() => {});
  }
}

export interface Session {
  readonly user: User | undefined;
  readonly isAdmin: boolean;
  readonly transport: ReturnType<typeof createTransport>;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new SessionStore());
  const [transport] = useState(() => createTransport(store));
  const user = useSyncExternalStore(store.subscribe, store.user);
  const value = useMemo<Session>(
    () => ({
      user,
      isAdmin: user?.role === Role.ADMIN,
      transport,
      signIn: (login, password) => store.signIn(login, password),
      signOut: () => store.signOut(),
    }),
    [user, store, transport],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
