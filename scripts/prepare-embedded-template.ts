// Run by `npm install` (the `prepare` script): initialises an empty PGlite cluster once and stores it, so the
// first `npm start` of the embedded default unpacks it instead of running initdb (see embedded-postgres.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { EMBEDDED_TEMPLATE } from "../src/adapters/postgres/embedded-postgres.js";

const db = await PGlite.create();
const dump = await db.dumpDataDir("gzip");
await mkdir(dirname(EMBEDDED_TEMPLATE), { recursive: true });
await writeFile(EMBEDDED_TEMPLATE, Buffer.from(await dump.arrayBuffer()));
await db.close();
process.stdout.write(`embedded database template written to ${EMBEDDED_TEMPLATE}\n`);
process.exit(0);
