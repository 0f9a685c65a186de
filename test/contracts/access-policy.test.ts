import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ACCESS_POLICY } from "../../src/adapters/connect/access-policy.js";

// Every RPC of every service in the contracts must be declared in ACCESS_POLICY: an undeclared one is
// refused to everyone (fail closed), which is safe but a bug. Services are found by walking gen/, so a new
// service is covered the moment its code is generated.

const GEN = fileURLToPath(new URL("../../gen/", import.meta.url));

async function generatedServices(): Promise<DescService[]> {
  const files = (await readdir(GEN, { recursive: true })).filter((f) => f.endsWith("_pb.ts"));
  const services: DescService[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(GEN + file).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service")
        services.push(value as DescService);
    }
  }
  return services;
}

describe("ACCESS_POLICY", () => {
  it("declares every method of every service, and nothing else", async () => {
    const services = await generatedServices();
    expect(services.map((s) => s.typeName)).toContain("shopfloor.catalog.v1.CatalogService");
    const rpcs = services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`)).sort();
    expect(rpcs.filter((rpc) => !(rpc in ACCESS_POLICY))).toEqual([]);
    expect(Object.keys(ACCESS_POLICY).filter((rpc) => !rpcs.includes(rpc))).toEqual([]);
  });
});
