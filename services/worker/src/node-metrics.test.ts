import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, createRegistry, parseExposition, type Sample } from '@hera/metrics';
import { nodeMetricsSource, registerNodeMetrics, type TenantView } from './node-metrics';

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function hostJson(model: string, ok: number) {
  const r = createRegistry('worker-host', { tenant: model, model, version: '1' });
  new Counter({ name: 'hera_host_requests_total', help: 'r', labelNames: ['code'], registers: [r] }).inc(
    { code: 'OK' },
    ok,
  );
  return r.getMetricsAsJSON();
}

function tenant(model: string, answer: boolean, ok = 0): TenantView {
  return {
    allocation: { model, memoryLimitBytes: model === 'ncf' ? 1 << 30 : 0 },
    restarts: model === 'ncf' ? 2 : 0,
    cgroup: {
      memoryUsage: () => 123_456,
      oomKills: () => 1,
      cpuStat: () => ({ periods: 100, throttledPeriods: 7, throttledSeconds: 0.25 }),
    },
    metrics: async () => (answer ? hostJson(model, ok) : undefined),
  };
}

describe('node metrics', () => {
  it("serves the agent's per-tenant cgroup series merged with each host's registry", async () => {
    const registry = createRegistry('worker');
    const tenants = [tenant('ncf', true, 5), tenant('wnd', false)];
    registerNodeMetrics(registry, { mode: 'v1' }, () => tenants);
    const s = parseExposition(await nodeMetricsSource(registry, () => tenants, 50).metrics());
    const ncf = { tenant: 'ncf' };
    assert.equal(value(s, 'hera_node_cgroup_info', { mode: 'v1' })[0]?.value, 1);
    assert.equal(value(s, 'hera_node_tenant_cpu_throttled_periods_total', ncf)[0]?.value, 7);
    assert.equal(value(s, 'hera_node_tenant_cpu_throttled_seconds_total', ncf)[0]?.value, 0.25);
    assert.equal(value(s, 'hera_node_tenant_cpu_periods_total', ncf)[0]?.value, 100);
    assert.equal(value(s, 'hera_node_tenant_memory_usage_bytes', { tenant: 'wnd' })[0]?.value, 123_456);
    assert.equal(value(s, 'hera_node_tenant_memory_limit_bytes', ncf)[0]?.value, 1 << 30);
    assert.equal(value(s, 'hera_node_tenant_memory_limit_bytes', { tenant: 'wnd' }).length, 0);
    assert.equal(value(s, 'hera_node_tenant_host_restarts_total', ncf)[0]?.value, 2);
    assert.equal(value(s, 'hera_node_tenant_host_restarts_total', { tenant: 'wnd' })[0]?.value, 0);
    assert.equal(value(s, 'hera_node_tenant_oom_kills_total', ncf)[0]?.value, 1);
    // The host that answered is in the scrape, with its own labels; the other is marked down.
    assert.equal(value(s, 'hera_host_requests_total', { tenant: 'ncf', model: 'ncf', code: 'OK' })[0]?.value, 5);
    assert.equal(value(s, 'hera_node_tenant_metrics_up', ncf)[0]?.value, 1);
    assert.equal(value(s, 'hera_node_tenant_metrics_up', { tenant: 'wnd' })[0]?.value, 0);
    // Two processes' default metrics side by side: the agent's and ncf's host's.
    assert.deepEqual(
      value(s, 'process_start_time_seconds')
        .map(x => x.labels['service'])
        .sort(),
      ['worker', 'worker-host'],
    );
  });

  it('says when tenants are unconfined and has no cgroup series then', async () => {
    const registry = createRegistry('worker');
    const tenants = [tenant('ncf', true)];
    registerNodeMetrics(registry, { mode: 'none' }, () => tenants);
    const s = parseExposition(await nodeMetricsSource(registry, () => tenants, 50).metrics());
    assert.equal(value(s, 'hera_node_cgroup_info', { mode: 'none' })[0]?.value, 1);
    assert.equal(value(s, 'hera_node_tenant_cpu_throttled_seconds_total').length, 0);
    assert.equal(value(s, 'hera_node_tenant_memory_usage_bytes').length, 0);
    assert.equal(value(s, 'hera_node_tenant_host_restarts_total', { tenant: 'ncf' })[0]?.value, 2);
  });
});
