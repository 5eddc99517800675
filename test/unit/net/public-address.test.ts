import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicAddress } from '../../../src/net/public-address.ts';

test('IPv6 spellings of loopback and private IPv4, and the non-public IPv6 blocks, are refused', () => {
  const refused = [
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:10.0.0.1',
    // NAT64 (RFC 6052), 6to4 (RFC 3056) and IPv4-compatible forms of loopback and metadata addresses.
    '64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '2002:a00:1::', '2002:c0a8:101::5',
    '::127.0.0.1', '::7f00:1', '::8.8.8.8', '64:ff9b:1::808:808',
    'fec0::1', 'feC0:1::', '100::1', '100::ffff:ffff:ffff:ffff', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '2001::1',
    'not an address', '',
  ];
  for (const a of refused) assert.equal(isPublicAddress(a), false, a);
  const allowed = ['8.8.8.8', '2001:4860::8888', '2a00:1450:4001::1', '64:ff9b::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8', '100:0:0:1::1'];
  for (const a of allowed) assert.equal(isPublicAddress(a), true, a);
});
