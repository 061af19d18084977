import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { InvalidInputError } from '../directory/errors.js';

export interface UrlPolicy {
  /** Allow loopback, private, link-local and metadata addresses (development default). */
  readonly allowPrivateNetworks: boolean;
  /** Allow plain http:// (development default). */
  readonly allowHttp: boolean;
}

/** Addresses a webhook must not reach unless private networks are allowed (RFC 6890 special-purpose ranges). */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? BLOCKED.check(mapped[1] as string, 'ipv4') : BLOCKED.check(address, 'ipv6');
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
  if (url.protocol === 'http:' && !policy.allowHttp) throw new InvalidInputError('url must use https (plain http is refused in production)', 'url');
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
  if (blocked) throw new InvalidInputError(`url resolves to ${blocked}, a private or reserved address (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows it)`, 'url');
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
      const list = addresses as LookupAddress[];
      const blocked = policy.allowPrivateNetworks ? undefined : list.find((entry) => isBlockedAddress(entry.address));
      if (blocked) return callback(new BlockedAddressError(`${hostname} resolves to ${blocked.address}, a private or reserved address`), []);
      if (options.all) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new BlockedAddressError(`${hostname} has no address`), []);
    });
  };
}
