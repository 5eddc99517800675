// The hostname warning at `serve` start: short names and address literals are flagged, real FQDNs pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostnameProblem } from '../../../src/config/hostname.ts';

test('a fully qualified name has no problem, with or without the trailing dot', () => {
  assert.equal(hostnameProblem('mail.example.com'), undefined);
  assert.equal(hostnameProblem('mx1.mail.example.co.uk.'), undefined);
});

test('a short name, an address, a local name and an invalid label are each flagged', () => {
  assert.match(hostnameProblem('mail')!, /not fully qualified/);
  assert.match(hostnameProblem('192.0.2.1')!, /is an address/);
  assert.match(hostnameProblem('2001:db8::1')!, /is an address/);
  assert.match(hostnameProblem('mail.localhost')!, /not reachable/);
  assert.match(hostnameProblem('mail_1.example.com')!, /not a valid DNS name/);
});
