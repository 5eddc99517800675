import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Srs, SrsError, srsFor, SRS_MAX_AGE_DAYS } from '../../../src/srs/srs.ts';

const DAY = 86_400_000;
const now = Date.UTC(2026, 11, 1);

test('SRS0 round trip, case-insensitive hash, tampering and age refused', () => {
  const srs = new Srs(Buffer.alloc(32, 7));
  const rewritten = srs.forward('Alice@Remote.test', 'example.com', now);
  assert.match(rewritten, /^SRS0=[^=]{4}=[A-Z2-7]{2}=Remote\.test=Alice@example\.com$/);
  assert.equal(srs.reverse(rewritten, now), 'Alice@Remote.test');
  assert.equal(srs.reverse(rewritten.toLowerCase(), now + 3 * DAY), 'alice@remote.test', 'an MTA may fold the case');
  assert.throws(() => srs.reverse(rewritten.replace('=Remote.test=', '=Evil.test='), now), SrsError);
  assert.throws(() => new Srs(Buffer.alloc(32, 8)).reverse(rewritten, now), SrsError, 'another secret does not verify');
  assert.throws(() => srs.reverse(rewritten, now + (SRS_MAX_AGE_DAYS + 1) * DAY), /expired/);
  assert.throws(() => srs.reverse('bob@example.com', now), /not an SRS address/);
  assert.equal(srs.forward('', 'example.com', now), '', 'the null sender stays null');
  assert.equal(srs.forward('bob@example.com', 'example.com', now), 'bob@example.com', 'our own domain needs no rewriting');
});

test('SRS1 for a sender another forwarder rewrote; reversing gives its SRS0 address back', () => {
  const first = new Srs(Buffer.alloc(32, 1));
  const ours = new Srs(Buffer.alloc(32, 2));
  const srs0 = first.forward('alice@origin.test', 'hop1.test', now);
  const srs1 = ours.forward(srs0, 'example.com', now);
  assert.match(srs1, /^SRS1=[^=]{4}=hop1\.test==[^=]{4}=[A-Z2-7]{2}=origin\.test=alice@example\.com$/);
  assert.equal(ours.reverse(srs1, now), srs0);
  assert.equal(first.reverse(ours.reverse(srs1, now), now), 'alice@origin.test');
  const again = ours.forward(srs1.replace('@example.com', '@hop2.test'), 'example.com', now);
  assert.match(again, /^SRS1=[^=]{4}=hop1\.test==/, 'an SRS1 address keeps its first hop');
});

test('the secret is created once in data_dir, owner-only, and reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-srs-'));
  try {
    const a = srsFor(dir);
    const file = path.join(dir, 'srs.secret');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(file, 'utf8').trim().length, 64);
    assert.equal(srsFor(dir), a);
    assert.equal(a.reverse(a.forward('x@y.test', 'example.com', now), now), 'x@y.test');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
