import type { IncomingMessage, ServerResponse } from "node:http";
import { issueClientToken } from "../../domain/identity/issue-client-token.js";
import { login } from "../../domain/identity/login.js";
import type { IdentityDeps } from "../../domain/identity/ports.js";
import { refreshSession } from "../../domain/identity/refresh-session.js";
import type { Session } from "../../domain/identity/session.js";
import { DomainError, type ResourceExhausted } from "../../domain/shared/errors.js";
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
  // Leaving early must not destroy the request, or the 413 could not be sent (the server then closes it).
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * The media type exactly (RFC 6749 §4.3.2 and §3.1.1 of RFC 7231: case-insensitive type, optional parameters);
 * a charset, if given, must be UTF-8. "application/x-www-form-urlencodedXYZ" is not a form.
 */
function isFormContentType(header: string | undefined): boolean {
  const [type, ...params] = (header ?? "").split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/x-www-form-urlencoded") return false;
  return params.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
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
      if (!isFormContentType(req.headers["content-type"])) {
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
        if (error.kind === "resource_exhausted") {
          const wait = (error as ResourceExhausted).retryAfterSeconds;
          if (wait !== undefined) res.setHeader("retry-after", String(wait));
          return oauthError(res, 429, "slow_down", error.message);
        }
        return oauthError(res, 400, "invalid_grant", error.message);
      }
    },
    doc: tokenRouteDoc,
  };
}

const oauthErrorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "string",
      enum: ["invalid_request", "invalid_grant", "unsupported_grant_type", "slow_down"],
    },
    error_description: { type: "string" },
  },
};

const tokenRouteDoc = {
  summary: "OAuth2 token endpoint",
  description:
    "The `password` grant (a username or email and its password) and the `refresh_token` grant (rotates the " +
    "refresh token, as IdentityService/Refresh does), in OAuth2's form body and JSON shapes. Anyone may call.",
  requestBody: {
    required: true,
    content: {
      "application/x-www-form-urlencoded": {
        schema: {
          type: "object",
          required: ["grant_type"],
          properties: {
            grant_type: { type: "string", enum: ["password", "refresh_token"] },
            username: { type: "string", description: "password grant: a username or an email." },
            password: { type: "string", description: "password grant." },
            refresh_token: { type: "string", description: "refresh_token grant." },
          },
        },
      },
    },
  },
  responses: {
    "200": {
      description: "Tokens.",
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["access_token", "token_type", "expires_in", "refresh_token"],
            properties: {
              access_token: { type: "string", description: "A JWT for the `authorization: Bearer` header." },
              token_type: { type: "string", enum: ["Bearer"] },
              expires_in: { type: "integer", description: "Seconds the access token is valid." },
              refresh_token: {
                type: "string",
                description: "Single use; spend it at this route or Refresh.",
              },
            },
          },
        },
      },
    },
    "400": {
      description: "A bad request or grant.",
      content: { "application/json": { schema: oauthErrorBody } },
    },
    "413": {
      description: "The body is too large.",
      content: { "application/json": { schema: oauthErrorBody } },
    },
    "429": { description: "Login throttled.", content: { "application/json": { schema: oauthErrorBody } } },
  },
};
