import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import { fromServiceError } from '@hera/grpc';
import { parseExposition, Registry, type Sample } from '@hera/metrics';
import { GatewayMetrics } from './gateway-metrics';
import { rankerModel } from './test-fixtures';

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const hostError = (code: grpc.status, details: string) =>
  fromServiceError(Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }));

describe('GatewayMetrics', () => {
  it('counts queries by method, model, version and code; sheds and deadline misses by stage', async () => {
    const registry = new Registry();
    const m = new GatewayMetrics(registry);
    const model = rankerModel('3', 100);
    const l = { method: 'Rank', model: model.name, version: '3' };
    m.start('Rank', model).ok(164, 2);
    m.start('Rank', model).ok(10, 1);
    m.start('Rank', model).failed(new HeraError('INVALID_ARGUMENT', 'bad'));
    m.start('Rank', model).failed(new HeraError('OVERLOADED', 'gateway shed'));
    m.start('Rank', model).failed(hostError(grpc.status.RESOURCE_EXHAUSTED, 'queue full'));
    m.start('Rank', model).failed(new HeraError('DEADLINE', 'before sending'));
    m.start('Rank', model).failed(hostError(grpc.status.DEADLINE_EXCEEDED, 'late'));
    m.start('Rank', model).failed(new Error('bug'));
    m.start('ModelInfer', undefined).failed(new HeraError('NOT_FOUND', 'no such model'));
    const open = m.start('ModelInfer', model);

    const s = parseExposition(await registry.metrics());
    const req = (code: string) => value(s, 'hera_gateway_requests_total', { ...l, code });
    assert.equal(req('OK'), 2);
    assert.equal(req('INVALID_ARGUMENT'), 1);
    assert.equal(req('RESOURCE_EXHAUSTED'), 2);
    assert.equal(req('DEADLINE_EXCEEDED'), 2);
    assert.equal(req('INTERNAL'), 1);
    assert.equal(
      value(s, 'hera_gateway_requests_total', { method: 'ModelInfer', model: '', version: '', code: 'NOT_FOUND' }),
      1,
    );
    const stage = (name: string, st: string) => value(s, name, { model: model.name, version: '3', stage: st });
    assert.equal(stage('hera_gateway_shed_total', 'admission'), 1);
    assert.equal(stage('hera_gateway_shed_total', 'worker'), 1);
    assert.equal(stage('hera_gateway_deadline_exceeded_total', 'admission'), 1);
    assert.equal(stage('hera_gateway_deadline_exceeded_total', 'in_flight'), 1);
    // Latency, items and sub-batches of the OK queries only.
    assert.equal(value(s, 'hera_gateway_request_duration_seconds_count', l), 2);
    assert.equal(value(s, 'hera_gateway_query_items_sum', l), 174);
    assert.equal(value(s, 'hera_gateway_query_items_bucket', { ...l, le: '128' }), 1);
    assert.equal(value(s, 'hera_gateway_query_sub_batches_sum', l), 3);
    assert.equal(value(s, 'hera_gateway_in_flight_requests', l), 0);
    assert.equal(value(s, 'hera_gateway_in_flight_requests', { ...l, method: 'ModelInfer' }), 1);
    assert.equal(value(s, 'hera_model_sla_seconds', { model: model.name, version: '3' }), model.slaMs / 1000);
    open.ok(1, 1);
    // Latency counts from the call's arrival (its headers), not from when the handler ran.
    m.start('Rank', model, Date.now() - 300).ok(1, 1);
    const after = parseExposition(await registry.metrics());
    assert.equal(value(after, 'hera_gateway_in_flight_requests', { ...l, method: 'ModelInfer' }), 0);
    assert.equal(value(after, 'hera_gateway_request_duration_seconds_bucket', { ...l, le: '0.2' }), 2);
    assert.equal(value(after, 'hera_gateway_request_duration_seconds_bucket', { ...l, le: '0.4' }), 3);
  });
});
