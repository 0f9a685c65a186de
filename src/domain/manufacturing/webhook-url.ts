import { hasControlCharacters } from "../shared/text-rules.js";
import type { Violations } from "../shared/violations.js";

/** Longest URL accepted (the common browser and proxy limit). */
export const MAX_URL_LENGTH = 2048;

/**
 * The shape rules of an endpoint URL, before its host is resolved: absolute, https (http only when private
 * addresses are allowed, i.e. tests and demos), no credentials in it (they would be logged and shown), no
 * fragment (never sent). Returns the parsed URL when it passes.
 */
export function checkWebhookUrl(
  v: Violations,
  field: string,
  text: string,
  allowPrivate: boolean,
): URL | undefined {
  if (text.length === 0) {
    v.add(field, "is required");
    return undefined;
  }
  if (text.length > MAX_URL_LENGTH) {
    v.add(field, `must be at most ${MAX_URL_LENGTH} characters`);
    return undefined;
  }
  if (hasControlCharacters(text) || /\s/.test(text)) {
    v.add(field, "must not contain spaces or control characters");
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    v.add(field, "is not an absolute URL");
    return undefined;
  }
  const schemes = allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol)) {
    v.add(field, allowPrivate ? "must be an https or http URL" : "must be an https URL");
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    v.add(field, "must not carry credentials");
    return undefined;
  }
  if (url.hash !== "") {
    v.add(field, "must not have a fragment");
    return undefined;
  }
  if (url.hostname === "") {
    v.add(field, "must name a host");
    return undefined;
  }
  return url;
}
