import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeraError } from '@hera/errors';
import { parseExposition, type Sample } from '@hera/metrics';
import { HostMetrics } from './host-metrics';

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.find(x => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

describe('HostMetrics', () => {
  it('counts requests by status, sheds and deadline misses, and sub-batches, under the tenant labels', async () => {
    const pool = { queueDepth: 3, readyWorkers: 2, parkedWorkers: 1 };
    const m = new HostMetrics({ tenant: 'ncf', model: 'ncf', version: '2' }, () => pool);
    for (let i = 0; i < 3; i++) m.requestStarted();
    m.requestOk();
    m.requestFailed(new HeraError('OVERLOADED', 'queue full'));
    m.requestStarted();
    m.requestFailed(new HeraError('DEADLINE', 'late'));
    m.requestStarted();
    m.requestFailed(new Error('bug'));
    m.subBatch(64, 1_500, 4_000);
    m.subBatch(36, 500, 2_000);
    m.engine('tfjs', 'wasm');
    const s = parseExposition(await m.registry.metrics());
    const t = { service: 'worker-host', tenant: 'ncf', model: 'ncf', version: '2' };
    assert.equal(value(s, 'hera_host_requests_total', { ...t, code: 'OK' }), 1);
    assert.equal(value(s, 'hera_host_requests_total', { ...t, code: 'RESOURCE_EXHAUSTED' }), 1);
    assert.equal(value(s, 'hera_host_requests_total', { ...t, code: 'DEADLINE_EXCEEDED' }), 1);
    assert.equal(value(s, 'hera_host_requests_total', { ...t, code: 'INTERNAL' }), 1);
    assert.equal(value(s, 'hera_host_shed_total', t), 1);
    assert.equal(value(s, 'hera_host_deadline_exceeded_total', t), 1);
    assert.equal(value(s, 'hera_host_in_flight_requests', t), 1);
    assert.equal(value(s, 'hera_host_sub_batch_items_sum', t), 100);
    assert.equal(value(s, 'hera_host_queue_wait_seconds_sum', t), 0.002);
    assert.equal(value(s, 'hera_host_inference_seconds_bucket', { ...t, le: '0.0025' }), 1);
    assert.equal(value(s, 'hera_host_inference_seconds_count', t), 2);
    assert.equal(value(s, 'hera_host_queue_depth', t), 3);
    assert.equal(value(s, 'hera_host_workers', { ...t, state: 'ready' }), 2);
    assert.equal(value(s, 'hera_host_workers', { ...t, state: 'standby' }), 1);
    assert.equal(value(s, 'hera_host_engine_info', { ...t, engine: 'tfjs', backend: 'wasm' }), 1);
  });
});
