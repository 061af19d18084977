import { describe, expect, it } from '@jest/globals';

import { isBlockedAddress } from '../../src/webhooks/url-guard.js';

// The address allow-list behind WEBHOOK_ALLOW_PRIVATE_NETWORKS=false: only global unicast passes. Hosts are
// written the way `new URL(...).hostname` normalises them (brackets stripped), e.g. [::127.0.0.1] → ::7f00:1.

describe('isBlockedAddress', () => {
  it.each([
    ['IPv4 loopback', '127.0.0.1'],
    ['IPv4 private', '10.1.2.3'],
    ['IPv4 link-local (metadata)', '169.254.169.254'],
    ['IPv4 shared (CGNAT)', '100.64.0.1'],
    ['IPv4 documentation', '203.0.113.7'],
    ['IPv4 broadcast', '255.255.255.255'],
    ['IPv6 unspecified', '::'],
    ['IPv6 loopback', '::1'],
    ['IPv4-compatible loopback ::/96', '::7f00:1'],
    ['IPv4-compatible private ::/96', '::a00:1'],
    ['IPv4-compatible public ::/96 (deprecated)', '::808:808'],
    ['IPv4-mapped loopback', '::ffff:7f00:1'],
    ['IPv4-mapped loopback, dotted', '::ffff:127.0.0.1'],
    ['IPv4-mapped private', '::ffff:a00:1'],
    ['NAT64 to loopback', '64:ff9b::7f00:1'],
    ['NAT64 to private', '64:ff9b::c0a8:101'],
    ['NAT64 local-use prefix', '64:ff9b:1::a00:1'],
    ['6to4 embedding loopback', '2002:7f00:1::1'],
    ['6to4 embedding private', '2002:a00:1::1'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['documentation', '2001:db8::1'],
    ['unique local fc00::/7', 'fd12:3456::1'],
    ['link-local fe80::/10', 'fe80::1'],
    ['site-local fec0::/10', 'fec0::1'],
    ['multicast', 'ff02::1'],
    ['unassigned, outside 2000::/3', '4000::1'],
    ['not an address', 'example.com'],
  ])('refuses %s (%s)', (_name, address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    ['public IPv4', '8.8.8.8'],
    ['public IPv4-mapped', '::ffff:808:808'],
    ['NAT64 to a public IPv4', '64:ff9b::808:808'],
    ['6to4 embedding a public IPv4', '2002:808:808::1'],
    ['global unicast IPv6', '2606:4700:4700::1111'],
    ['global unicast IPv6 with a zone', '2a00:1450:4001:80b::200e%eth0'],
  ])('allows %s (%s)', (_name, address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
