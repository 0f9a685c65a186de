import type { DescEnum, DescMessage } from "@bufbuild/protobuf";
import { type ReflectList, type ReflectMap, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import type { FieldViolation } from "../../domain/shared/errors.js";

// Proto3 enums are open: a decoder keeps a number the contract does not define (binary, gRPC, JSON numbers), and
// Connect's JSON reader, which ignores unknown fields for compatibility, turns an unknown enum *name* into the
// default value. Either way a use case would act on a value nobody defined, or as if no value were sent. These
// walks find such values generically from the descriptors, so every RPC, present and future, is covered.

const describe = (e: DescEnum) => `is not a value of ${e.typeName}`;
// Well-known types carry no enums of ours (and NullValue's JSON is null).
const isWellKnown = (desc: DescMessage) => desc.typeName.startsWith("google.protobuf.");

/** Enum fields of a decoded message (at any depth) holding a number the contract does not define. */
export function undefinedEnumNumbers(desc: DescMessage, message: unknown): FieldViolation[] {
  const found: FieldViolation[] = [];
  // Most requests (GetProduct, PlaceOrder, Login...) have no enum anywhere: no walk for them.
  if (!canHoldEnums(desc)) return found;
  walkMessage(reflect(desc, message as never), "", found);
  return found;
}

const holdsEnums = new WeakMap<DescMessage, boolean>();

/** Whether a message type has an enum field at any depth (worked out once per type). */
export function canHoldEnums(desc: DescMessage): boolean {
  let known = holdsEnums.get(desc);
  if (known === undefined) {
    known = reachesEnum(desc, new Set());
    holdsEnums.set(desc, known);
  }
  return known;
}

function reachesEnum(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(desc) || isWellKnown(desc)) return false;
  seen.add(desc);
  return desc.fields.some((field) => {
    switch (field.fieldKind) {
      case "enum":
        return true;
      case "message":
        return reachesEnum(field.message, seen);
      case "list":
        return (
          field.listKind === "enum" || (field.listKind === "message" && reachesEnum(field.message, seen))
        );
      case "map":
        return field.mapKind === "enum" || (field.mapKind === "message" && reachesEnum(field.message, seen));
      default:
        return false;
    }
  });
}

function walkMessage(r: ReflectMessage, path: string, found: FieldViolation[]): void {
  if (isWellKnown(r.desc)) return;
  for (const field of r.fields) {
    if (!r.isSet(field)) continue;
    const at = path ? `${path}.${field.name}` : field.name;
    switch (field.fieldKind) {
      case "enum":
        checkNumber(field.enum, r.get(field) as number, at, found);
        break;
      case "message":
        walkMessage(r.get(field) as ReflectMessage, at, found);
        break;
      case "list": {
        const list = r.get(field) as ReflectList;
        let i = 0;
        for (const item of list) {
          if (field.listKind === "enum") checkNumber(field.enum, item as number, `${at}[${i}]`, found);
          else if (field.listKind === "message") walkMessage(item as ReflectMessage, `${at}[${i}]`, found);
          i++;
        }
        break;
      }
      case "map": {
        const map = r.get(field) as ReflectMap;
        for (const [key, value] of map) {
          if (field.mapKind === "enum") checkNumber(field.enum, value as number, `${at}[${key}]`, found);
          else if (field.mapKind === "message") walkMessage(value as ReflectMessage, `${at}[${key}]`, found);
        }
        break;
      }
    }
  }
}

function checkNumber(e: DescEnum, value: number, at: string, found: FieldViolation[]): void {
  if (!e.values.some((v) => v.number === value)) found.push({ field: at, description: describe(e) });
}

/**
 * Enum fields of a Connect JSON request (parsed, not yet decoded) naming a value the contract lacks. Numbers are
 * left to `undefinedEnumNumbers`, which sees them after decoding; other shape errors are the decoder's to report.
 */
export function unknownEnumNames(desc: DescMessage, json: unknown): FieldViolation[] {
  const found: FieldViolation[] = [];
  if (!canHoldEnums(desc)) return found;
  walkJson(desc, json, "", found);
  return found;
}

function walkJson(desc: DescMessage, json: unknown, path: string, found: FieldViolation[]): void {
  if (!isPlainObject(json) || isWellKnown(desc)) return;
  for (const field of desc.fields) {
    const value = Object.hasOwn(json, field.jsonName) ? json[field.jsonName] : json[field.name];
    if (value === undefined || value === null) continue;
    const at = path ? `${path}.${field.name}` : field.name;
    switch (field.fieldKind) {
      case "enum":
        checkName(field.enum, value, at, found);
        break;
      case "message":
        walkJson(field.message, value, at, found);
        break;
      case "list":
        if (!Array.isArray(value)) break;
        value.forEach((item: unknown, i) => {
          if (field.listKind === "enum") checkName(field.enum, item, `${at}[${i}]`, found);
          else if (field.listKind === "message") walkJson(field.message, item, `${at}[${i}]`, found);
        });
        break;
      case "map":
        if (!isPlainObject(value)) break;
        for (const [key, item] of Object.entries(value)) {
          if (field.mapKind === "enum") checkName(field.enum, item, `${at}[${key}]`, found);
          else if (field.mapKind === "message") walkJson(field.message, item, `${at}[${key}]`, found);
        }
        break;
    }
  }
}

function checkName(e: DescEnum, value: unknown, at: string, found: FieldViolation[]): void {
  if (typeof value === "string" && !e.values.some((v) => v.name === value))
    found.push({ field: at, description: describe(e) });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
