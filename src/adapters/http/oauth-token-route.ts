import type { IncomingMessage, ServerResponse } from "node:http";
import { issueClientToken } from "../../domain/identity/issue-client-token.js";
import { login } from "../../domain/identity/login.js";
import type { IdentityDeps } from "../../domain/identity/ports.js";
import { refreshSession } from "../../domain/identity/refresh-session.js";
import type { Session } from "../../domain/identity/session.js";
import { DomainError } from "../../domain/shared/errors.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

// POST /oauth/token for tools that speak OAuth2 (RFC 6749 §4.3 password, §4.4 client_credentials and §6
// refresh_token grants), answering in OAuth2's own JSON and error shapes. The same use cases back
// IdentityService/Login, /IssueClientToken and /Refresh. The seed's POST /login is the same route.

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description }, NO_STORE);
}

async function readForm(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

type ClientAuth =
  | { readonly kind: "none" }
  | { readonly kind: "basic" | "form"; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: "malformed" }
  | { readonly kind: "both" };

/**
 * The client's credentials, from HTTP Basic (each part form-urlencoded, RFC 6749 §2.3.1) or from the form's
 * client_id and client_secret; a client may use only one of the two.
 */
function clientAuthOf(req: IncomingMessage, form: URLSearchParams): ClientAuth {
  const header = req.headers.authorization;
  const inForm = form.has("client_id") || form.has("client_secret");
  if (header !== undefined) {
    if (inForm) return { kind: "both" };
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = m?.[1] ? Buffer.from(m[1], "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon < 0) return { kind: "malformed" };
    try {
      return {
        kind: "basic",
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
      };
    } catch {
      return { kind: "malformed" };
    }
  }
  if (!inForm) return { kind: "none" };
  return {
    kind: "form",
    clientId: form.get("client_id") ?? "",
    clientSecret: form.get("client_secret") ?? "",
  };
}

function tokenResponse(session: Session) {
  return {
    access_token: session.accessToken,
    token_type: "Bearer",
    expires_in: session.expiresInSeconds,
    refresh_token: session.refreshToken,
  };
}

/** The token endpoint at `path` (/oauth/token, and the seed's /login). */
export function oauthTokenRoute(deps: IdentityDeps, maxBodyBytes: number, path = "/oauth/token"): PlainRoute {
  return {
    method: "POST",
    path,
    handler: async (req, res) => {
      if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
        return oauthError(res, 400, "invalid_request", "send an application/x-www-form-urlencoded body");
      }
      const form = await readForm(req, maxBodyBytes);
      if (!form) return oauthError(res, 413, "invalid_request", "request body too large");
      const grant = form.get("grant_type");
      try {
        if (grant === "password") {
          const session = await login(deps, {
            login: form.get("username") ?? "",
            password: form.get("password") ?? "",
            clientAddress: req.socket.remoteAddress,
          });
          return sendJson(res, 200, tokenResponse(session), NO_STORE);
        }
        if (grant === "refresh_token") {
          const session = await refreshSession(deps, form.get("refresh_token") ?? "");
          return sendJson(res, 200, tokenResponse(session), NO_STORE);
        }
        if (grant === "client_credentials") {
          const auth = clientAuthOf(req, form);
          if (auth.kind === "both") {
            return oauthError(
              res,
              400,
              "invalid_request",
              "send client credentials either by HTTP Basic or in the form, not both",
            );
          }
          // RFC 6749 §5.2: a client that tried HTTP Basic is told how to authenticate.
          const challenge = { "www-authenticate": 'Basic realm="shopfloor"' };
          if (
            auth.kind === "none" ||
            auth.kind === "malformed" ||
            auth.clientId === "" ||
            auth.clientSecret === ""
          ) {
            return sendJson(
              res,
              401,
              {
                error: "invalid_client",
                error_description: "client authentication required (client_id and client_secret)",
              },
              { ...NO_STORE, ...challenge },
            );
          }
          try {
            const token = await issueClientToken(deps, auth);
            return sendJson(
              res,
              200,
              { access_token: token.token, token_type: "Bearer", expires_in: token.expiresInSeconds },
              NO_STORE,
            );
          } catch (error) {
            if (
              error instanceof DomainError &&
              (error.kind === "unauthenticated" || error.kind === "invalid_argument")
            ) {
              return sendJson(
                res,
                401,
                { error: "invalid_client", error_description: error.message },
                { ...NO_STORE, ...(auth.kind === "basic" ? challenge : {}) },
              );
            }
            throw error;
          }
        }
        return oauthError(
          res,
          400,
          "unsupported_grant_type",
          "grant_type must be password, refresh_token or client_credentials",
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.kind === "invalid_argument") return oauthError(res, 400, "invalid_request", error.message);
        if (error.kind === "resource_exhausted") return oauthError(res, 429, "slow_down", error.message);
        return oauthError(res, 400, "invalid_grant", error.message);
      }
    },
  };
}
