import { describe, expect, it } from "vitest";
import { createPartnerClient } from "../../src/domain/identity/create-partner-client.js";
import { createUser } from "../../src/domain/identity/create-user.js";
import { issueClientToken } from "../../src/domain/identity/issue-client-token.js";
import { login } from "../../src/domain/identity/login.js";
import {
  disablePartnerClient,
  rotatePartnerClientSecret,
} from "../../src/domain/identity/manage-partner-client.js";
import { InvalidArgument, NotFound, Unauthenticated } from "../../src/domain/shared/errors.js";
import { identityFakes } from "../support/fakes/identity-fakes.js";

const account = { email: "plant@example.com", username: "plant", password: "long enough password" };

describe("partner clients", () => {
  it("stores only a hash of the secret and issues tokens carrying the office", async () => {
    const f = identityFakes();
    const { client, secret } = await createPartnerClient(f.deps, {
      name: " Prague ERP ",
      role: "REGIONAL_OFFICE",
      officeCode: "prg-1",
      brands: [],
    });
    expect(client).toMatchObject({ name: "Prague ERP", officeCode: "PRG-1", brands: [], disabled: false });
    expect(client.secretHash).not.toContain(secret);
    const token = await issueClientToken(f.deps, { clientId: client.id, clientSecret: secret });
    expect(token.token).toBe(`access:${client.id}:REGIONAL_OFFICE:PRG-1:`);
  });

  it("fails a wrong secret, an unknown client and a disabled one alike", async () => {
    const f = identityFakes();
    const { client, secret } = await createPartnerClient(f.deps, {
      name: "Plant",
      role: "MANUFACTURER",
      officeCode: "",
      brands: ["vw", "skoda"],
    });
    const failures = await Promise.all([
      issueClientToken(f.deps, { clientId: client.id, clientSecret: "wrong" }).catch((e) => e),
      issueClientToken(f.deps, { clientId: "nobody", clientSecret: secret }).catch((e) => e),
    ]);
    await disablePartnerClient(f.deps, client.id);
    failures.push(
      await issueClientToken(f.deps, { clientId: client.id, clientSecret: secret }).catch((e) => e),
    );
    for (const failure of failures) expect(failure).toBeInstanceOf(Unauthenticated);
    expect(new Set(failures.map((e: Error) => e.message)).size).toBe(1);
  });

  it("replaces the secret on rotation", async () => {
    const f = identityFakes();
    const created = await createPartnerClient(f.deps, {
      name: "P",
      role: "MANUFACTURER",
      officeCode: "",
      brands: ["audi"],
    });
    const rotated = await rotatePartnerClientSecret(f.deps, created.client.id);
    await expect(
      issueClientToken(f.deps, { clientId: created.client.id, clientSecret: created.secret }),
    ).rejects.toBeInstanceOf(Unauthenticated);
    const token = await issueClientToken(f.deps, {
      clientId: created.client.id,
      clientSecret: rotated.secret,
    });
    expect(token.token).toContain(":MANUFACTURER::audi");
    await expect(rotatePartnerClientSecret(f.deps, "nobody")).rejects.toBeInstanceOf(NotFound);
  });

  it("requires an office code of offices and known brands of manufacturers, and neither of other roles", async () => {
    const f = identityFakes();
    const refuse = (command: Parameters<typeof createPartnerClient>[1]) =>
      expect(createPartnerClient(f.deps, command)).rejects.toBeInstanceOf(InvalidArgument);
    await refuse({ name: "x", role: "REGIONAL_OFFICE", officeCode: "", brands: [] });
    await refuse({ name: "x", role: "REGIONAL_OFFICE", officeCode: "A", brands: [] });
    await refuse({ name: "x", role: "MANUFACTURER", officeCode: "", brands: ["trabant"] });
    await refuse({ name: "x", role: "MANUFACTURER", officeCode: "PRG", brands: ["vw"] });
    await refuse({ name: "x", role: "ADMIN", officeCode: "", brands: [] });
    await refuse({ name: "x", role: undefined, officeCode: "", brands: [] });
  });
});

describe("partner users", () => {
  it("carry their brands into the access token of their password login", async () => {
    const f = identityFakes();
    const user = await createUser(f.deps, { ...account, role: "MANUFACTURER", brands: ["Skoda"] });
    expect(user.brands).toEqual(["skoda"]);
    const session = await login(f.deps, { login: "plant", password: account.password });
    expect(session.accessToken).toBe(`access:${user.id}:MANUFACTURER::skoda`);
    await expect(
      createUser(f.deps, {
        ...account,
        username: "c2",
        email: "c2@example.com",
        role: "CUSTOMER",
        brands: ["vw"],
      }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });
});
