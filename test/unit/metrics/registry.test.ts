import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/metrics/registry.ts';

test('counters with labels are exposed under one HELP/TYPE header', async () => {
  const m = createMetrics();
  const c = m.counter('postern_connections_total', 'Connections accepted, per protocol.');
  c.inc({ protocol: 'smtp' });
  c.inc({ protocol: 'smtp' }, 2);
  c.inc({ protocol: 'imap' });
  assert.equal(c.value({ protocol: 'smtp' }), 3);
  assert.equal(m.counter('postern_connections_total', 'again'), c, 'registering twice returns the same counter');
  const text = await m.expose();
  assert.equal(text, [
    '# HELP postern_connections_total Connections accepted, per protocol.',
    '# TYPE postern_connections_total counter',
    'postern_connections_total{protocol="smtp"} 3',
    'postern_connections_total{protocol="imap"} 1',
    '',
  ].join('\n'));
});

test('label order does not split a series, and label values are escaped', async () => {
  const m = createMetrics();
  const c = m.counter('x_total', 'x');
  c.inc({ a: '1', b: 'q"\\\n' });
  c.inc({ b: 'q"\\\n', a: '1' });
  assert.match(await m.expose(), /^x_total\{a="1",b="q\\"\\\\\\n"\} 2$/m);
});

test('counters refuse to go down and names must be valid', () => {
  const m = createMetrics();
  assert.throws(() => m.counter('x', 'x').inc(undefined, -1));
  assert.throws(() => m.counter('bad-name', 'x'));
  assert.throws(() => m.counter('y', 'y').inc({ 'bad-label': 1 }));
  m.counter('z', 'z');
  assert.throws(() => m.gauge('z', 'z'), /already a counter/);
});

test('every series of a metric has the same label names: a second meaning of a name fails loudly', async () => {
  const m = createMetrics();
  m.counter('postern_auth_failures_total', 'Failed logins, by protocol.').inc({ protocol: 'pop3' });
  const adHoc = m.counter('postern_auth_failures_total', 'Failed logins');
  assert.throws(() => adHoc.inc(), /has labels \{protocol\}, not \{\}/);
  assert.throws(() => adHoc.inc({ protocol: 'smtp', user: 'x' }), /not \{protocol,user\}/);
  const h = m.histogram('h_seconds', 'h');
  h.observe(1, { a: 1 });
  assert.throws(() => h.observe(1), /metric h_seconds has labels \{a\}/);
  let labels: Record<string, string> | undefined = { status: 'pending' };
  m.gauge('g', 'g', () => [{ labels, value: 1 }]);
  await m.expose();
  labels = undefined;
  await assert.rejects(m.expose(), /metric g has labels/);
  assert.equal(m.counter('postern_auth_failures_total', '').value({ protocol: 'pop3' }), 1, 'the refused increments left the series alone');
});

test('histograms expose cumulative buckets, sum and count', async () => {
  const m = createMetrics();
  const h = m.histogram('delivery_seconds', 'Delivery latency.', [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(3);
  assert.equal(h.count(), 3);
  const text = await m.expose();
  assert.match(text, /^delivery_seconds_bucket\{le="0.1"\} 1$/m);
  assert.match(text, /^delivery_seconds_bucket\{le="1"\} 2$/m);
  assert.match(text, /^delivery_seconds_bucket\{le="\+Inf"\} 3$/m);
  assert.match(text, /^delivery_seconds_sum 3.55$/m);
  assert.match(text, /^delivery_seconds_count 3$/m);
  m.histogram('labelled_seconds', 'Labelled.', [0.1, 1]).observe(0.2, { kind: 'local' });
  assert.match(await m.expose(), /^labelled_seconds_bucket\{kind="local",le="1"\} 1$/m);
});

test('gauges can be set or collected at scrape time', async () => {
  const m = createMetrics();
  m.gauge('up', 'Up.').set(1);
  let depth = 4;
  m.gauge('queue_depth', 'Queue entries.', async () => [{ labels: { status: 'pending' }, value: depth }]);
  assert.match(await m.expose(), /^queue_depth\{status="pending"\} 4$/m);
  depth = 7;
  const text = await m.expose();
  assert.match(text, /^queue_depth\{status="pending"\} 7$/m);
  assert.match(text, /^up 1$/m);
});

test('the catalogue registers each metric once and modules asking again share the handles', async () => {
  const { serverMetrics, queueGauges } = await import('../../../src/metrics/catalogue.ts');
  const m = createMetrics();
  const a = serverMetrics(m);
  const b = serverMetrics(m);
  assert.equal(a.connections, b.connections);
  a.connections.inc({ protocol: 'imap' });
  b.verdicts.inc({ method: 'spf', result: 'pass' });
  a.deliveryLatency.observe(0.02, { source: 'inbound' });
  queueGauges(m, () => [{ labels: { status: 'deferred' }, value: 2 }], () => [{ value: 90 }]);
  const text = await m.expose();
  assert.match(text, /^postern_connections_total\{protocol="imap"\} 1$/m);
  assert.match(text, /^postern_verification_verdicts_total\{method="spf",result="pass"\} 1$/m);
  assert.match(text, /^postern_delivery_latency_seconds_bucket\{source="inbound",le="0.025"\} 1$/m);
  assert.match(text, /^postern_queue_depth\{status="deferred"\} 2$/m);
  assert.match(text, /^postern_queue_oldest_age_seconds 90$/m);
  // Each metric is declared once, however many modules asked for it (the count grows with the catalogue).
  const declared = text.match(/^# TYPE (\S+)/gm)!.map((l) => l.split(' ')[2]);
  assert.ok(declared.length >= 14);
  assert.equal(new Set(declared).size, declared.length);
});
