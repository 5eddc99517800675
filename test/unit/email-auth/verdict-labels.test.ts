import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictLabels } from '../../../src/email-auth/verdict-labels.ts';
import type { AuthVerdict } from '../../../src/email-auth/verify.ts';

const base: AuthVerdict = { spf: 'pass', dkim: [], dmarc: null, arc: null, timedOut: false, header: '' };

test('one spf, dmarc and arc label per message, one dkim label per signature', () => {
  const v: AuthVerdict = { ...base, dkim: [{ domain: 'a.test', result: 'pass' }, { domain: 'b.test', result: 'fail' }], dmarc: { result: 'pass', domain: 'a.test', policy: 'reject' }, arc: 'none' };
  assert.deepEqual(verdictLabels(v), [
    { method: 'spf', result: 'pass' },
    { method: 'dkim', result: 'pass' },
    { method: 'dkim', result: 'fail' },
    { method: 'dmarc', result: 'pass' },
    { method: 'arc', result: 'none' },
  ]);
});

test('an unsigned message counts dkim=none; a timed-out check counts temperror for what it never saw', () => {
  assert.deepEqual(verdictLabels({ ...base, spf: 'softfail' }).map((l) => `${l.method}=${l.result}`), ['spf=softfail', 'dkim=none', 'dmarc=none', 'arc=none']);
  assert.deepEqual(verdictLabels({ ...base, spf: 'temperror', timedOut: true }).map((l) => `${l.method}=${l.result}`), ['spf=temperror', 'dkim=temperror', 'dmarc=temperror', 'arc=temperror']);
});
