import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, closeGrpcClients } from "../support/clients.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

const token = (form: Record<string, string>, contentType = "application/x-www-form-urlencoded") =>
  fetch(`${app.httpUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: new URLSearchParams(form).toString(),
  });

describe("POST /oauth/token", () => {
  it("grants tokens for a password, then rotates them with refresh_token", async () => {
    const res = await token({
      grant_type: "password",
      username: TEST_ADMIN.email,
      password: TEST_ADMIN.password,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const me = await clientFor("connect", IdentityService, app).getMe({}, bearer(body.access_token));
    expect(me.user?.email).toBe(TEST_ADMIN.email);

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: body.refresh_token });
    expect(refreshed.status).toBe(200);
    const replay = await token({ grant_type: "refresh_token", refresh_token: body.refresh_token });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("answers in OAuth2's error shapes", async () => {
    const wrong = await token({
      grant_type: "password",
      username: TEST_ADMIN.email,
      password: "nope-nope-nope",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const missing = await token({ grant_type: "password" });
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
    const unsupported = await token({ grant_type: "implicit" });
    expect(await unsupported.json()).toMatchObject({ error: "unsupported_grant_type" });
    const json = await token({ grant_type: "password" }, "application/json");
    expect(await json.json()).toMatchObject({ error: "invalid_request" });
    const get = await fetch(`${app.httpUrl}/oauth/token`);
    expect(get.status).toBe(405);
  });
});
