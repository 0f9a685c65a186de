import { Code } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import {
  bearer,
  clientFor,
  closeGrpcClients,
  expectCode,
  SURFACES,
  type Surface,
} from "../support/clients.js";
import { BUSES } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { signInPartnerClient, uniqueOfficeCode } from "../support/partners.js";
import { type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Partners (issue 16): partner clients and their client credentials (IssueClientToken over both transports,
// POST /oauth/token driven by the openid-client library and by hand-built requests, every grant and error),
// password users bound to an office or brands, and the seed's plain paths (POST /login, /v1/sales-webhook,
// /v1/get-all-vehicles-for-manufacturing/{brand}, /v1/update-state-webhook/{id}) on both backbones.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  await nats?.dispose();
});

describe.each(BUSES)("partners on $database with the $bus bus", ({ bus, database }) => {
  let app: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    app = await startTestApp({ kind: database, env: bus === "jetstream" ? { NATS_URL: nats.url } : {} });
    admin = await signInAdmin(app);
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  const identity = (surface: Surface = "connect") => clientFor(surface, IdentityService, app);
  const newOfficeClient = async (officeCode = uniqueOfficeCode()) => ({
    officeCode,
    ...(await identity().createPartnerClient(
      { name: "Prague office ERP", role: Role.REGIONAL_OFFICE, officeCode },
      admin.call,
    )),
  });
  const form = (
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    path = "/oauth/token",
  ) =>
    fetch(`${app.httpUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`,
  });
  /** The token endpoint as a maintained OAuth2 client library sees it. */
  const oauthConfig = (clientId: string, auth: oidc.ClientAuth) => {
    const config = new oidc.Configuration(
      { issuer: app.httpUrl, token_endpoint: `${app.httpUrl}/oauth/token` },
      clientId,
      undefined,
      auth,
    );
    // The test app serves plain http on loopback.
    oidc.allowInsecureRequests(config);
    return config;
  };

  describe.each(SURFACES)("over %s", (surface: Surface) => {
    it("creates partner clients whose secret is shown once and whose tokens carry their office or brands", async () => {
      const office = await newOfficeClient();
      expect(office.clientSecret.length).toBeGreaterThanOrEqual(43);
      expect(office.client).toMatchObject({
        role: Role.REGIONAL_OFFICE,
        officeCode: office.officeCode,
        disabled: false,
      });
      const [stored] = await app.sql<{ secret_hash: string }[]>`
        select secret_hash from partner_clients where id = ${office.clientId}`;
      expect(stored?.secret_hash).not.toContain(office.clientSecret);

      const token = await identity(surface).issueClientToken({
        clientId: office.clientId,
        clientSecret: office.clientSecret,
      });
      expect(token).toMatchObject({ tokenType: "Bearer", expiresIn: 900n });
      expect(decodeJwt(token.accessToken)).toMatchObject({
        sub: office.clientId,
        role: "REGIONAL_OFFICE",
        office_code: office.officeCode,
      });
      const me = await identity(surface).getMe({}, bearer(token.accessToken));
      expect(me.user).toMatchObject({
        id: office.clientId,
        role: Role.REGIONAL_OFFICE,
        officeCode: office.officeCode,
      });

      const factory = await identity(surface).createPartnerClient(
        { name: "Mladá Boleslav plant", role: Role.MANUFACTURER, brands: ["skoda", "VW", "skoda"] },
        admin.call,
      );
      expect(factory.client?.brands).toEqual(["skoda", "vw"]);
      const factoryToken = await identity(surface).issueClientToken({
        clientId: factory.clientId,
        clientSecret: factory.clientSecret,
      });
      expect(decodeJwt(factoryToken.accessToken)).toMatchObject({
        role: "MANUFACTURER",
        brands: ["skoda", "vw"],
      });
      expect(
        (await identity(surface).listPartnerClients({}, admin.call)).clients.map((c) => c.clientId),
      ).toEqual(expect.arrayContaining([office.clientId, factory.clientId]));
    });

    it("refuses partner clients without their office or with unknown brands, and non-partner roles", async () => {
      const create = (req: Parameters<ReturnType<typeof identity>["createPartnerClient"]>[0]) =>
        expectCode(identity(surface).createPartnerClient(req, admin.call), Code.InvalidArgument);
      await create({ name: "x", role: Role.REGIONAL_OFFICE });
      await create({ name: "x", role: Role.REGIONAL_OFFICE, officeCode: "no spaces allowed" });
      await create({ name: "x", role: Role.REGIONAL_OFFICE, officeCode: "PRG", brands: ["skoda"] });
      await create({ name: "x", role: Role.MANUFACTURER });
      const unknown = await create({ name: "x", role: Role.MANUFACTURER, brands: ["trabant"] });
      expect(unknown.rawMessage).toContain("trabant");
      await create({ name: "x", role: Role.CUSTOMER });
      await create({ name: "", role: Role.MANUFACTURER, brands: ["vw"] });
      await expectCode(
        identity(surface).createPartnerClient(
          { name: "x", role: Role.REGIONAL_OFFICE, officeCode: "PRG" },
          (await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() })).call,
        ),
        Code.PermissionDenied,
      );
    });

    it("rotates a secret (the old one stops working) and disables a client for good", async () => {
      const office = await newOfficeClient();
      const rotated = await identity(surface).rotatePartnerClientSecret(
        { clientId: office.clientId },
        admin.call,
      );
      expect(rotated.clientSecret).not.toBe(office.clientSecret);
      await expectCode(
        identity(surface).issueClientToken({ clientId: office.clientId, clientSecret: office.clientSecret }),
        Code.Unauthenticated,
      );
      await identity(surface).issueClientToken({
        clientId: office.clientId,
        clientSecret: rotated.clientSecret,
      });

      const disabled = await identity(surface).disablePartnerClient(
        { clientId: office.clientId },
        admin.call,
      );
      expect(disabled.client?.disabled).toBe(true);
      const refused = await expectCode(
        identity(surface).issueClientToken({ clientId: office.clientId, clientSecret: rotated.clientSecret }),
        Code.Unauthenticated,
      );
      // Disabled, unknown and wrong secret read alike.
      const unknown = await expectCode(
        identity(surface).issueClientToken({
          clientId: "0190b7a5-0000-7000-8000-000000000000",
          clientSecret: "x",
        }),
        Code.Unauthenticated,
      );
      expect(refused.rawMessage).toBe(unknown.rawMessage);
      await expectCode(
        identity(surface).issueClientToken({ clientId: "", clientSecret: "" }),
        Code.InvalidArgument,
      );
      await expectCode(
        identity(surface).rotatePartnerClientSecret(
          { clientId: "0190b7a5-0000-7000-8000-000000000000" },
          admin.call,
        ),
        Code.NotFound,
      );
    });

    it("binds password users to an office or brands and carries them in their tokens", async () => {
      const username = uniqueName("pu_");
      const officeCode = uniqueOfficeCode();
      const created = await identity(surface).createUser(
        {
          email: `${username}@example.com`,
          username,
          password: "long enough password",
          role: Role.REGIONAL_OFFICE,
          officeCode,
        },
        admin.call,
      );
      expect(created.user).toMatchObject({ officeCode, brands: [] });
      const session = await identity(surface).login({ login: username, password: "long enough password" });
      expect(decodeJwt(session.accessToken)).toMatchObject({
        role: "REGIONAL_OFFICE",
        office_code: officeCode,
      });
      expect(session.user?.officeCode).toBe(officeCode);
      const sale = await clientFor(surface, ManufacturingService, app).submitSale(
        { externalOrderNumber: uniqueName("PW-"), brand: "vw", carModel: "Golf" },
        bearer(session.accessToken),
      );
      expect(sale.purchaseId).not.toBe("");

      await expectCode(
        identity(surface).createUser(
          {
            email: `${username}x@example.com`,
            username: `${username}x`,
            password: "long enough password",
            role: Role.MANUFACTURER,
            brands: ["nope"],
          },
          admin.call,
        ),
        Code.InvalidArgument,
      );
      await expectCode(
        identity(surface).createUser(
          {
            email: `${username}y@example.com`,
            username: `${username}y`,
            password: "long enough password",
            role: Role.CUSTOMER,
            officeCode: "PRG",
          },
          admin.call,
        ),
        Code.InvalidArgument,
      );
    });
  });

  describe("POST /oauth/token with grant_type=client_credentials", () => {
    it("grants a token to openid-client authenticating by HTTP Basic and by the form", async () => {
      const office = await newOfficeClient();
      for (const auth of [
        oidc.ClientSecretBasic(office.clientSecret),
        oidc.ClientSecretPost(office.clientSecret),
      ]) {
        const tokens = await oidc.clientCredentialsGrant(oauthConfig(office.clientId, auth));
        expect(tokens.token_type.toLowerCase()).toBe("bearer");
        expect(tokens.expires_in).toBe(900);
        expect(tokens.refresh_token).toBeUndefined();
        expect(decodeJwt(tokens.access_token)).toMatchObject({ office_code: office.officeCode });
        const sale = await clientFor("connect", ManufacturingService, app).submitSale(
          { externalOrderNumber: uniqueName("OA-"), brand: "audi", carModel: "Q5" },
          bearer(tokens.access_token),
        );
        expect(sale.purchaseId).not.toBe("");
      }
    });

    it("tells openid-client invalid_client for a wrong secret", async () => {
      const office = await newOfficeClient();
      const error = await oidc
        .clientCredentialsGrant(oauthConfig(office.clientId, oidc.ClientSecretBasic("wrong")))
        .catch((e: unknown) => e);
      // A 401 with a WWW-Authenticate challenge (RFC 6749 §5.2), the OAuth2 error body beside it.
      expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      const challenge = error as oidc.WWWAuthenticateChallengeError;
      expect(challenge.status).toBe(401);
      expect(challenge.cause[0]?.scheme).toBe("basic");
      expect(await challenge.response.json()).toMatchObject({ error: "invalid_client" });
    });

    it("answers every hand-built request in OAuth2's shapes", async () => {
      const office = await newOfficeClient();
      const ok = await form({
        grant_type: "client_credentials",
        client_id: office.clientId,
        client_secret: office.clientSecret,
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("cache-control")).toBe("no-store");
      expect(await ok.json()).toMatchObject({ token_type: "Bearer", expires_in: 900 });
      const viaBasic = await form(
        { grant_type: "client_credentials" },
        basic(office.clientId, office.clientSecret),
      );
      expect(viaBasic.status).toBe(200);

      const wrongBasic = await form({ grant_type: "client_credentials" }, basic(office.clientId, "wrong"));
      expect(wrongBasic.status).toBe(401);
      expect(wrongBasic.headers.get("www-authenticate")).toMatch(/^Basic/);
      expect(await wrongBasic.json()).toMatchObject({ error: "invalid_client" });
      const wrongForm = await form({
        grant_type: "client_credentials",
        client_id: office.clientId,
        client_secret: "wrong",
      });
      expect(wrongForm.status).toBe(401);
      expect(await wrongForm.json()).toMatchObject({ error: "invalid_client" });
      const none = await form({ grant_type: "client_credentials" });
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: "invalid_client" });
      const garbled = await form({ grant_type: "client_credentials" }, { authorization: "Basic !!!" });
      expect(garbled.status).toBe(401);
      const both = await form(
        { grant_type: "client_credentials", client_id: office.clientId, client_secret: office.clientSecret },
        basic(office.clientId, office.clientSecret),
      );
      expect(both.status).toBe(400);
      expect(await both.json()).toMatchObject({ error: "invalid_request" });

      const unsupported = await form({ grant_type: "authorization_code", code: "x" });
      expect(unsupported.status).toBe(400);
      expect(await unsupported.json()).toMatchObject({ error: "unsupported_grant_type" });
      const badPassword = await form({
        grant_type: "password",
        username: "nobody-here",
        password: "wrong password",
      });
      expect(badPassword.status).toBe(400);
      expect(await badPassword.json()).toMatchObject({ error: "invalid_grant" });
      const badRefresh = await form({ grant_type: "refresh_token", refresh_token: "not-a-token" });
      expect(badRefresh.status).toBe(400);
      expect(await badRefresh.json()).toMatchObject({ error: "invalid_grant" });

      await identity().disablePartnerClient({ clientId: office.clientId }, admin.call);
      const disabled = await form({
        grant_type: "client_credentials",
        client_id: office.clientId,
        client_secret: office.clientSecret,
      });
      expect(disabled.status).toBe(401);
      expect(await disabled.json()).toMatchObject({ error: "invalid_client" });
    });
  });

  describe("the seed's plain paths", () => {
    const rest = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
      fetch(`${app.httpUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: {
          "content-type": "application/json",
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
        ...(init.body === undefined
          ? {}
          : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
      });

    it("runs the seed's whole flow: login, sale, the brand's queue, state updates", async () => {
      const office = await newOfficeClient();
      const login = await form(
        { grant_type: "client_credentials" },
        basic(office.clientId, office.clientSecret),
        "/login",
      );
      expect(login.status).toBe(200);
      const officeToken = ((await login.json()) as { access_token: string }).access_token;
      const brand = uniqueName("s-");
      await clientFor("connect", ManufacturingService, app).createBrand(
        { code: brand, name: "Seed", carModels: ["Rapid"] },
        admin.call,
      );
      const factory = await identity().createPartnerClient(
        { name: "f", role: Role.MANUFACTURER, brands: [brand] },
        admin.call,
      );
      const factoryToken = (
        (await (
          await form(
            {
              grant_type: "client_credentials",
              client_id: factory.clientId,
              client_secret: factory.clientSecret,
            },
            {},
            "/login",
          )
        ).json()) as { access_token: string }
      ).access_token;

      const externalOrderNumber = uniqueName("SEED-");
      const body = {
        regional_office: office.officeCode,
        external_order_number: externalOrderNumber,
        car_model: "rapid",
        brand,
      };
      const accepted = await rest("/v1/sales-webhook", { token: officeToken, body });
      expect(accepted.status).toBe(202);
      const { purchase_id } = (await accepted.json()) as { purchase_id: string; duplicate: boolean };
      expect(purchase_id).toMatch(/^[0-9a-f-]{36}$/);
      const repeat = await rest("/v1/sales-webhook", { token: officeToken, body });
      expect(await repeat.json()).toEqual({ purchase_id, duplicate: true });

      const queue = await eventually(async () => {
        const res = await rest(`/v1/get-all-vehicles-for-manufacturing/${brand}`, { token: factoryToken });
        expect(res.status).toBe(200);
        const json = (await res.json()) as { purchases: Record<string, unknown>[]; next_page_token: string };
        expect(json.purchases).toHaveLength(1);
        return json;
      });
      expect(queue.next_page_token).toBe("");
      expect(queue.purchases[0]).toMatchObject({
        id: purchase_id,
        car_model: "Rapid",
        brand,
        office_code: office.officeCode,
        external_order_number: externalOrderNumber,
        state: "PURCHASE_STATE_ORDERED",
      });

      const moved = await rest(`/v1/update-state-webhook/${purchase_id}`, {
        token: factoryToken,
        body: { state: "IN_PRODUCTION" },
      });
      expect(moved.status).toBe(200);
      expect(((await moved.json()) as { purchase: { state: string } }).purchase.state).toBe(
        "PURCHASE_STATE_IN_PRODUCTION",
      );
      const after = await rest(`/v1/get-all-vehicles-for-manufacturing/${brand}`, { token: factoryToken });
      expect(((await after.json()) as { purchases: unknown[] }).purchases).toEqual([]);
      const illegal = await rest(`/v1/update-state-webhook/${purchase_id}`, {
        token: factoryToken,
        body: { state: "DELIVERED" },
      });
      expect(illegal.status).toBe(400);
      expect(await illegal.json()).toMatchObject({ code: "failed_precondition" });
    });

    it("keeps the RPCs' error codes, mapped to HTTP statuses", async () => {
      const office = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
      const officeToken =
        (office.call.headers as Record<string, string>).authorization?.replace("Bearer ", "") ?? "";
      const factory = await signInPartnerClient(app, admin, { brands: ["audi"] });
      const factoryToken =
        (factory.call.headers as Record<string, string>).authorization?.replace("Bearer ", "") ?? "";
      const sale = { external_order_number: uniqueName("E-"), brand: "skoda", car_model: "Superb" };

      const anonymous = await rest("/v1/sales-webhook", { body: sale });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: "unauthenticated" });
      const forged = await rest("/v1/sales-webhook", { token: "not.a.jwt", body: sale });
      expect(forged.status).toBe(401);
      const wrongRole = await rest("/v1/sales-webhook", { token: factoryToken, body: sale });
      expect(wrongRole.status).toBe(403);
      expect(await wrongRole.json()).toMatchObject({ code: "permission_denied" });
      const badModel = await rest("/v1/sales-webhook", {
        token: officeToken,
        body: { ...sale, car_model: "Golf" },
      });
      expect(badModel.status).toBe(400);
      expect(await badModel.json()).toMatchObject({ code: "invalid_argument" });
      for (const garbage of ["{", "[]", '"x"', '{"brand": 5}']) {
        const res = await rest("/v1/sales-webhook", { token: officeToken, body: garbage });
        expect(res.status).toBe(400);
      }
      const tooBig = await rest("/v1/sales-webhook", {
        token: officeToken,
        body: { ...sale, padding: "x".repeat(2_000_000) },
      });
      expect(tooBig.status).toBe(413);

      const notMine = await rest("/v1/get-all-vehicles-for-manufacturing/skoda", { token: factoryToken });
      expect(notMine.status).toBe(403);
      const officeQueue = await rest("/v1/get-all-vehicles-for-manufacturing/audi", { token: officeToken });
      expect(officeQueue.status).toBe(403);
      const page = await rest("/v1/get-all-vehicles-for-manufacturing/audi?page_size=-1", {
        token: factoryToken,
      });
      expect(page.status).toBe(400);

      const unknown = await rest("/v1/update-state-webhook/0190b7a5-0000-7000-8000-000000000000", {
        token: factoryToken,
        body: { state: "IN_PRODUCTION" },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: "not_found" });
      const badState = await rest("/v1/update-state-webhook/0190b7a5-0000-7000-8000-000000000000", {
        token: factoryToken,
        body: { state: "FLYING" },
      });
      expect(badState.status).toBe(400);
      const badEscape = await rest("/v1/update-state-webhook/%E0%A4%A", {
        token: factoryToken,
        body: { state: "BUILT" },
      });
      expect(badEscape.status).toBe(400);
      const wrongMethod = await rest("/v1/sales-webhook", { method: "GET", token: officeToken });
      expect(wrongMethod.status).toBe(405);
    });
  });
});
