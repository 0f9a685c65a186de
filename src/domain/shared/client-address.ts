// Throttles and budgets count per network, not per address: one IPv6 subscriber is routinely handed a whole
// /64, so counting single IPv6 addresses would give an attacker 2^64 fresh budgets. IPv4 counts per address
// (carrier NAT shares one address among many, so a coarser group would punish strangers).

/**
 * The group a client address is counted in: "v4:<address>" or "v6:<first four hextets>::/64". An
 * IPv4-mapped IPv6 address (::ffff:1.2.3.4, how a dual-stack socket reports IPv4) counts as that IPv4
 * address. Anything unparsable is returned as given, so it still counts, just alone.
 */
export function addressGroup(address: string): string {
  let a = address.trim().toLowerCase();
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(a)) return `v4:${a}`;
  const hextets = expandIpv6(a);
  if (!hextets) return a;
  if (hextets.slice(0, 5).every((h) => h === "0") && hextets[5] === "ffff") {
    const [hi, lo] = [Number.parseInt(hextets[6] ?? "0", 16), Number.parseInt(hextets[7] ?? "0", 16)];
    return `v4:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `v6:${hextets.slice(0, 4).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address (without leading zeros), or undefined when it is not one. */
function expandIpv6(address: string): string[] | undefined {
  if (!/^[0-9a-f:.]+$/.test(address) || !address.includes(":")) return undefined;
  let text = address;
  // An embedded IPv4 tail (e.g. 64:ff9b::1.2.3.4) stands for the last two hextets.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.length !== 8 || all.some((h) => !/^[0-9a-f]{1,4}$/.test(h))) return undefined;
  return all.map((h) => Number.parseInt(h, 16).toString(16));
}
