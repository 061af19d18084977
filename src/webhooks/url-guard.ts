import { promises as dns, lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

import { InvalidInputError } from '../lib/errors.js';

export interface UrlPolicy {
  /** Allow loopback, private, link-local and metadata addresses (development default). */
  readonly allowPrivateNetworks: boolean;
  /** Allow plain http:// (development default). */
  readonly allowHttp: boolean;
}

/** IPv4 special-purpose ranges (RFC 6890 and its IANA registry): everything else is global unicast. */
const NOT_GLOBAL_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_GLOBAL_V4.addSubnet(network, prefix, 'ipv4');
}

/** Special-purpose blocks inside 2000::/3, the IPv6 global unicast space (Teredo, ORCHID, documentation, …). */
const NOT_GLOBAL_V6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
] as const) {
  NOT_GLOBAL_V6.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = (dotted[1] as string).split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${(((bytes[0] as number) << 8) | (bytes[1] as number)).toString(16)}:${(((bytes[2] as number) << 8) | (bytes[3] as number)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : null;
}

function v4From(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Whether an IPv6 address is global unicast; addresses that embed an IPv4 one are judged by it. */
function isGlobalV6(address: string): boolean {
  const g = ipv6Groups(address);
  if (!g) return false;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  // ::ffff:0:0/96, IPv4-mapped: the IPv4 address is the one reached.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isGlobalV4(v4From(g6, g7));
  // 64:ff9b::/96, NAT64 well-known prefix: the translator connects to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isGlobalV4(v4From(g6, g7));
  // 2002::/16, 6to4: the relay forwards to the IPv4 address in bits 16-47.
  if (g0 === 0x2002) return isGlobalV4(v4From(g1, g2));
  // Only 2000::/3 is global unicast: this refuses ::/96 (unspecified, loopback, IPv4-compatible), fc00::/7,
  // fe80::/10, fec0::/10, ff00::/8, 64:ff9b:1::/48 and everything unassigned.
  return (g0 & 0xe000) === 0x2000 && !NOT_GLOBAL_V6.check(address.replace(/%.*$/, ''), 'ipv6');
}

function isGlobalV4(address: string): boolean {
  return !NOT_GLOBAL_V4.check(address, 'ipv4');
}

/**
 * Whether a webhook must not reach `address` unless private networks are allowed. An allow-list: only
 * global unicast addresses pass (RFC 6890 special-purpose ranges, and IPv6 outside 2000::/3, do not).
 */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !isGlobalV4(address);
  if (family === 6) return !isGlobalV6(address);
  return true;
}

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

/** Parses and checks a webhook URL's form (scheme, credentials); throws InvalidInputError naming `url`. */
export function parseWebhookUrl(text: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError('url must be an absolute http(s) URL', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidInputError('url must use https', 'url');
  if (url.protocol === 'http:' && !policy.allowHttp)
    throw new InvalidInputError('url must use https (plain http is refused in production)', 'url');
  if (url.username || url.password) throw new InvalidInputError('url must not contain credentials', 'url');
  return url;
}

/** Resolves the URL's host and refuses private targets (at creation; delivery re-checks on every connect). */
export async function checkWebhookTarget(url: URL, policy: UrlPolicy): Promise<void> {
  if (policy.allowPrivateNetworks) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    throw new InvalidInputError(`url host ${JSON.stringify(host)} does not resolve`, 'url');
  }
  const blocked = addresses.find(isBlockedAddress);
  if (blocked)
    throw new InvalidInputError(
      `url resolves to ${blocked}, a private or reserved address (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows it)`,
      'url',
    );
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses private addresses at connect time, so a DNS answer that changed
 * since the endpoint was created (rebinding) cannot reach inside.
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
      const blocked = policy.allowPrivateNetworks ? undefined : list.find((entry) => isBlockedAddress(entry.address));
      if (blocked)
        return callback(
          new BlockedAddressError(`${hostname} resolves to ${blocked.address}, a private or reserved address`),
          [],
        );
      if (options.all) return callback(null, list);
      const first = list[0];
      return first
        ? callback(null, first.address, first.family)
        : callback(new BlockedAddressError(`${hostname} has no address`), []);
    });
  };
}
