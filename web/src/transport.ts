import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/**
 * What the transport needs from the session: the current access token, and a way to get a fresh one once the
 * server said the current one expired. Kept outside React so the interceptor reads the latest value.
 */
export interface TokenSource {
  accessToken(): string | undefined;
  /** Single-flight: concurrent callers share one Refresh RPC. Resolves false when the session is over. */
  renew(): Promise<boolean>;
}

/** Same origin as the page (Shopfloor serves the console), or the dev server's proxy. */
const baseUrl = window.location.origin;

export function createTransport(tokens: TokenSource) {
  const auth: Interceptor = (next) => async (req) => {
    const token = tokens.accessToken();
    if (token) req.header.set("authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (error) {
      // An access token lives 15 minutes: when the server says it expired, rotate once and retry the call.
      // Streams are retried by their callers (they reconnect), so only unary calls are replayed here.
      const err = ConnectError.from(error);
      if (err.code !== Code.Unauthenticated || !token || req.stream || !(await tokens.renew())) throw err;
      req.header.set("authorization", `Bearer ${tokens.accessToken() ?? ""}`);
      return await next(req);
    }
  };
  return createConnectTransport({ baseUrl, interceptors: [auth], useHttpGet: false });
}

/** A transport without the session, for Login and Refresh themselves. */
export const anonymousTransport = createConnectTransport({ baseUrl });
