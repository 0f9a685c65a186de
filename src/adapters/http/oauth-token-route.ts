import type { IncomingMessage, ServerResponse } from "node:http";
import { login } from "../../domain/identity/login.js";
import type { IdentityDeps } from "../../domain/identity/ports.js";
import { refreshSession } from "../../domain/identity/refresh-session.js";
import type { Session } from "../../domain/identity/session.js";
import { DomainError } from "../../domain/shared/errors.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

// POST /oauth/token for tools that speak OAuth2 (RFC 6749 §4.3 password and §6 refresh_token grants), answering
// in OAuth2's own JSON and error shapes. The same use cases back IdentityService/Login and /Refresh.
// client_credentials arrives with partner clients (the manufacturing context).

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

function tokenResponse(session: Session) {
  return {
    access_token: session.accessToken,
    token_type: "Bearer",
    expires_in: session.expiresInSeconds,
    refresh_token: session.refreshToken,
  };
}

export function oauthTokenRoute(deps: IdentityDeps, maxBodyBytes: number): PlainRoute {
  return {
    method: "POST",
    path: "/oauth/token",
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
        return oauthError(res, 400, "unsupported_grant_type", "grant_type must be password or refresh_token");
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.kind === "invalid_argument") return oauthError(res, 400, "invalid_request", error.message);
        if (error.kind === "resource_exhausted") return oauthError(res, 429, "slow_down", error.message);
        return oauthError(res, 400, "invalid_grant", error.message);
      }
    },
  };
}
