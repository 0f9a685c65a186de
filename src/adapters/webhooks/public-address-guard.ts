import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import type { WebhookAddressGuard } from "../../domain/manufacturing/webhook-ports.js";

// The SSRF guard of outbound webhooks. A host is allowed only when EVERY address it resolves to is public
// unicast: ipaddr.js classifies each one (loopback, private, link-local with the cloud metadata address,
// CGNAT, multicast, unspecified, unique-local, and IPv4-mapped/NAT64/6to4/Teredo forms that may wrap any of
// them), and anything but "unicast" is refused. The sender connects through `lookup`, which resolves, checks
// and hands the socket the very addresses it checked, so DNS cannot answer differently between the check
// and the connect (rebinding). WEBHOOK_ALLOW_PRIVATE turns the check off for tests and local demos.

/** Resolves a host name to every address it has. */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Thrown (and passed to sockets as their error) when a host may not receive webhooks. */
export class RefusedAddress extends Error {}

/** A URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1");

export class PublicAddressGuard implements WebhookAddressGuard {
  private readonly resolveHost: ResolveHost;

  constructor(private readonly options: { readonly allowPrivate: boolean; readonly resolve?: ResolveHost }) {
    this.resolveHost = options.resolve ?? systemResolve;
  }

  async refusal(url: URL): Promise<string | undefined> {
    try {
      await this.checkedAddresses(hostOf(url));
      return undefined;
    } catch (error) {
      if (error instanceof RefusedAddress) return error.message;
      return `the host ${hostOf(url)} does not resolve`;
    }
  }

  /** The addresses of `host` (a name or an IP literal), every one checked; throws RefusedAddress otherwise. */
  async checkedAddresses(host: string): Promise<LookupAddress[]> {
    if (ipaddr.isValid(host)) {
      const address = ipaddr.parse(host);
      this.check(host, address);
      return [{ address: host, family: address.kind() === "ipv4" ? 4 : 6 }];
    }
    const addresses = await this.resolveHost(host);
    if (addresses.length === 0) throw new Error(`${host} has no addresses`);
    for (const { address } of addresses) this.check(host, ipaddr.parse(address));
    return [...addresses];
  }

  /** For http.request's `lookup`: sockets connect only to addresses this guard checked just now. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.checkedAddresses(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        const first = usable[0];
        if (!first) return callback(new RefusedAddress(`${hostname} has no IPv${wanted} address`), "", 0);
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };

  private check(host: string, address: ipaddr.IPv4 | ipaddr.IPv6): void {
    if (this.options.allowPrivate) return;
    // process() unwraps an IPv4-mapped IPv6 address (::ffff:127.0.0.1) to the IPv4 address it names.
    const plain = ipaddr.process(address.toString());
    const range = plain.range();
    if (range !== "unicast") {
      throw new RefusedAddress(
        host === plain.toString()
          ? `${host} is a ${range} address, which may not receive webhooks`
          : `${host} resolves to ${plain.toString()}, a ${range} address, which may not receive webhooks`,
      );
    }
  }
}
