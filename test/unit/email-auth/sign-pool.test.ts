import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SignPool } from '../../../src/email-auth/sign-pool.ts';
import { signMessage } from '../../../src/email-auth/sign.ts';
import { makeDkimKeys } from '../../fixtures/dkim-keys.ts';

test('the pool signs exactly as the function does, and reports errors', async (t) => {
  const pool = new SignPool(2);
  t.after(() => pool.close());
  const keys = makeDkimKeys();
  const msg = Buffer.from('From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n');
  const results = await Promise.all([1, 2, 3].map(() => pool.sign(msg, 'example.test', keys, 1_000_000)));
  // Ed25519 is deterministic and RSA PKCS#1 v1.5 too: the same input signs the same.
  for (const r of results) assert.equal(r, signMessage(msg, 'example.test', keys, 1_000_000));
  assert.equal(await pool.sign(msg, 'example.test', [], 0), '');
  await assert.rejects(pool.sign(msg, 'example.test', [{ selector: 's', algorithm: 'rsa-sha256', privateKeyPem: 'not a key' }], 0));
});

test('the pool starts its threads with the first signature, not before', async (t) => {
  const threads = () => fs.readdirSync('/proc/self/task').length;
  const before = threads();
  const pool = new SignPool(2);
  t.after(() => pool.close());
  assert.equal(await pool.sign(Buffer.from('x'), 'example.test', [], 0), '');
  assert.equal(threads(), before, 'no thread for a pool that has signed nothing');
  await pool.sign(Buffer.from('From: a@example.test\r\n\r\nbody\r\n'), 'example.test', makeDkimKeys(), 1_000_000);
  assert.equal(threads(), before + 2);
});
