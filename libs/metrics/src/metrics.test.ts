import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createRegistry, memo, mergeMetrics, parseExposition, type Sample } from './index';

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('createRegistry', () => {
  it("collects Node's default metrics unprefixed, with the service's default labels", async () => {
    const r = createRegistry('gateway', { tenant: 'ncf' });
    const samples = parseExposition(await r.metrics());
    const cpu = find(samples, 'process_cpu_seconds_total');
    assert.equal(cpu.length, 1);
    assert.deepEqual(cpu[0]!.labels, { service: 'gateway', tenant: 'ncf' });
    assert.equal(
      samples.some(s => s.name.startsWith('hera_')),
      false,
    );
  });
});

describe('memo', () => {
  it('creates each child once per label value', () => {
    const made: string[] = [];
    const get = memo(v => (made.push(v), { v }));
    assert.equal(get('OK'), get('OK'));
    assert.notEqual(get('OK'), get('INTERNAL'));
    assert.deepEqual(made, ['OK', 'INTERNAL']);
  });
});

describe('mergeMetrics', () => {
  it("keeps every process's series apart by their labels (a union, nothing summed, averaged or dropped)", async () => {
    const agent = createRegistry('worker');
    new Counter({ name: 'hera_node_x_total', help: 'x', registers: [agent] }).inc(2);
    const hosts = ['ncf', 'wnd'].map((tenant, i) => {
      const r = createRegistry('worker-host', { tenant, model: tenant, version: '1' });
      const c = new Counter({ name: 'hera_host_requests_total', help: 'r', labelNames: ['code'], registers: [r] });
      c.inc({ code: 'OK' }, 3 + i);
      c.inc({ code: 'INVALID_ARGUMENT' });
      const h = new Histogram({ name: 'hera_host_inference_seconds', help: 'i', buckets: [0.01, 0.1], registers: [r] });
      h.observe(0.05);
      new Gauge({ name: 'hera_host_queue_depth', help: 'q', registers: [r] }).set(7 + i);
      return r;
    });
    const merged = mergeMetrics(await Promise.all([agent, ...hosts].map(r => r.getMetricsAsJSON())));
    const samples = parseExposition(await merged.metrics());
    assert.equal(find(samples, 'hera_host_requests_total', { tenant: 'ncf', code: 'OK' })[0]?.value, 3);
    assert.equal(find(samples, 'hera_host_requests_total', { tenant: 'wnd', code: 'OK' })[0]?.value, 4);
    assert.equal(find(samples, 'hera_host_requests_total', { code: 'INVALID_ARGUMENT' }).length, 2);
    assert.equal(find(samples, 'hera_host_queue_depth', { tenant: 'wnd' })[0]?.value, 8);
    assert.equal(find(samples, 'hera_host_inference_seconds_bucket', { tenant: 'ncf', le: '0.1' })[0]?.value, 1);
    assert.equal(find(samples, 'hera_host_inference_seconds_count', { tenant: 'wnd' })[0]?.value, 1);
    assert.equal(find(samples, 'hera_node_x_total', { service: 'worker' })[0]?.value, 2);
    // The default aggregators would have omitted it (or averaged the three processes' values).
    assert.equal(find(samples, 'process_start_time_seconds').length, 3);
    assert.equal(find(samples, 'nodejs_eventloop_lag_seconds').length, 3);
  });
});

describe('parseExposition', () => {
  it('reads names, escaped labels, +Inf and timestamps; skips comments', () => {
    const text = [
      '# HELP a_total help',
      '# TYPE a_total counter',
      'a_total{code="OK",msg="say \\"hi\\"\\\\n"} 3',
      'b_bucket{le="+Inf"} 12 1700000000000',
      'c NaN',
      'd +Inf',
      '',
    ].join('\n');
    assert.deepEqual(parseExposition(text).slice(0, 2), [
      { name: 'a_total', labels: { code: 'OK', msg: 'say "hi"\\n' }, value: 3 },
      { name: 'b_bucket', labels: { le: '+Inf' }, value: 12 },
    ]);
    assert.ok(Number.isNaN(parseExposition(text)[2]!.value));
    assert.equal(parseExposition(text)[3]!.value, Infinity);
  });

  it('throws on a line that is not a sample', () => {
    assert.throws(() => parseExposition('a{code="OK" 1'), /not a sample line|bad labels/);
    assert.throws(() => parseExposition('a{code=OK} 1'), /bad labels/);
  });

  it('round-trips what prom-client writes', async () => {
    const r = new Registry();
    const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['m'], buckets: [1], registers: [r] });
    h.observe({ m: 'x' }, 0.5);
    h.observe({ m: 'x' }, 2);
    const s = parseExposition(await r.metrics());
    assert.deepEqual(
      s.map(x => [x.name, x.labels['le'] ?? '', x.value]),
      [
        ['h_seconds_bucket', '1', 1],
        ['h_seconds_bucket', '+Inf', 2],
        ['h_seconds_sum', '', 2.5],
        ['h_seconds_count', '', 2],
      ],
    );
  });
});
