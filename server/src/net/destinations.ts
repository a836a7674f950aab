import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DockerMcpError } from '../errors';
import { CancelledError } from './errors';
import type { Fetch, Layer } from './fetch';

/**
 * Where a server reached over the network (the HTTP transport) may send requests that a caller chose. Base URLs in
 * the environment are the operator's and always allowed, and so is what a configured registry names (its token
 * realm, its redirects). Anything else a model or an image's contents name must be a public address after DNS
 * resolution (`public`, the default) or a registry listed in DOCKERHUB_MCP_ALLOWED_REGISTRIES. Every refusal and
 * every failure to connect to such a destination is the same sentence, so the server cannot be used to map which
 * ports of its network are open.
 */
export class DestinationPolicy {
  private readonly trustedOrigins: Set<string>;
  private readonly listedHosts: Set<string>;
  private readonly allowPublic: boolean;
  /** Host names approved because a trusted party named them; their addresses are not filtered at connect time. */
  private readonly vouched = new Set<string>();

  constructor(options: { trustedOrigins: string[]; allowed: string[]; resolve?: Resolver }) {
    this.trustedOrigins = new Set(options.trustedOrigins.map((url) => new URL(url).origin));
    this.allowPublic = options.allowed.includes('public');
    this.listedHosts = new Set(options.allowed.filter((entry) => entry !== 'public').map((entry) => entry.toLowerCase()));
    this.resolve = options.resolve ?? resolveAll;
    for (const origin of this.trustedOrigins) this.vouched.add(new URL(origin).hostname);
  }

  private readonly resolve: Resolver;

  /** Throws the neutral refusal unless `url` may be reached; `namedBy` is the origin that named it, if any. */
  async check(url: URL, namedBy?: string): Promise<void> {
    if (this.trustedOrigins.has(url.origin) || (namedBy !== undefined && this.trustedOrigins.has(namedBy))) {
      this.vouched.add(url.hostname);
      return;
    }
    if (this.listedHosts.has(url.host.toLowerCase()) || this.listedHosts.has(url.hostname.toLowerCase())) {
      this.vouched.add(url.hostname);
      return;
    }
    if (!this.allowPublic) throw unreachable(url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await this.resolve(host).catch(() => []);
    if (addresses.length === 0 || !addresses.every(isPublicAddress)) throw unreachable(url);
  }

  /** Whether a request to `url` gets the neutral error for faults below HTTP. */
  governs(url: URL, namedBy?: string): boolean {
    return !(this.trustedOrigins.has(url.origin) || (namedBy !== undefined && this.trustedOrigins.has(namedBy)));
  }

  /**
   * A `lookup` for the connection itself: a name checked as public could resolve elsewhere a moment later (DNS
   * rebinding), so the addresses actually connected to are checked again.
   */
  readonly connectLookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!this.vouched.has(hostname) && !this.listedHosts.has(hostname.toLowerCase()) && !list.every((a) => isPublicAddress(a.address))) {
        const refused = Object.assign(new Error(`refused to connect to ${hostname}`), { code: 'EDESTINATION' });
        return callback(refused, []);
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };

  layer(): Layer {
    return (next: Fetch): Fetch =>
      async (request) => {
        const url = new URL(request.url);
        await this.check(url, request.namedBy);
        if (!this.governs(url, request.namedBy)) return next(request);
        try {
          return await next(request);
        } catch (err) {
          // TIMEOUT stays what it is (the call's deadline); a refusal, reset, TLS or protocol fault looks like a refusal.
          if (err instanceof CancelledError || (err instanceof DockerMcpError && err.code !== 'UPSTREAM_ERROR')) throw err;
          throw unreachable(url);
        }
      };
  }
}

type Resolver = (host: string) => Promise<string[]>;

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );
}

/** The one sentence for a destination refused by the policy or not reachable: the two look alike on purpose. */
export function unreachable(url: URL): DockerMcpError {
  return new DockerMcpError(
    'UPSTREAM_ERROR',
    `${url.host} is not reachable from this server, or not allowed by its destination policy ` +
      '(DOCKERHUB_MCP_ALLOWED_REGISTRIES); check the registry name.',
  );
}

/**
 * Addresses a public registry can have: not loopback, private (RFC 1918, unique-local), link-local (cloud metadata
 * at 169.254.169.254 included), carrier-grade NAT, unspecified, multicast or reserved; IPv4-mapped IPv6 judged as
 * the IPv4 it carries.
 */
export function isPublicAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const version = isIP(ip);
  if (version === 4) return isPublicIpv4(ip);
  if (version !== 6) return false;
  const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return isPublicIpv4(mapped[1]);
  const hextets = expandIpv6(ip);
  if (hextets.every((h) => h === 0) || (hextets.slice(0, 7).every((h) => h === 0) && hextets[7] === 1)) return false;
  const first = hextets[0];
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local (AWS metadata fd00:ec2::254 too)
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (hextets[0] === 0 && hextets[1] === 0 && hextets[2] === 0 && hextets[3] === 0 && hextets[4] === 0 && hextets[5] === 0xffff) {
    return isPublicIpv4(`${hextets[6] >> 8}.${hextets[6] & 255}.${hextets[7] >> 8}.${hextets[7] & 255}`);
  }
  if (first === 0x64 && hextets[1] === 0xff9b) {
    return isPublicIpv4(`${hextets[6] >> 8}.${hextets[6] & 255}.${hextets[7] >> 8}.${hextets[7] & 255}`);
  }
  if (first === 0x2001 && hextets[1] === 0x0db8) return false; // documentation
  return true;
}

/**
 * The first non-public address `hostname` stands for, literal or resolved (every spelling the resolver accepts:
 * `127.1`, `2130706433`, `localhost`…); undefined when all are public. A name that does not resolve is left to the
 * request itself to fail.
 */
export async function nonPublicAddressOf(hostname: string): Promise<string | undefined> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return isPublicAddress(bare) ? undefined : bare;
  let addresses: { address: string }[];
  try {
    addresses = await lookupAll(bare, { all: true, verbatim: true });
  } catch {
    return undefined;
  }
  return addresses.find((entry) => !isPublicAddress(entry.address))?.address;
}

function isPublicIpv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 192 && b === 0) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  return true;
}

function expandIpv6(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').filter(Boolean).map((h) => parseInt(h, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  if (tail === undefined) return front;
  return [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
}
