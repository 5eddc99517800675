import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLooping, receivedCount } from '../../../src/smtp/loop-detection.ts';
import { readMessageHeader } from '../../../src/mime/header-fields.ts';

const withReceived = (n: number) => readMessageHeader(Buffer.from('Received: from a by b; x\r\n'.repeat(n) + 'Subject: s\r\n\r\nReceived: in body\r\n'));

test('counts only Received fields in the header section', () => {
  assert.equal(receivedCount(withReceived(3)), 3);
});

test('more than the limit is a loop, the limit itself is not', () => {
  assert.equal(isLooping(withReceived(50), 50), false);
  assert.equal(isLooping(withReceived(51), 50), true);
});
