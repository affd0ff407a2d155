import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, Registry, type Sample } from '@hera/metrics';
import type { Plan } from '@hera/proto';
import { registerPlanMetrics } from './plan-metrics';

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter(x => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).map(x => x.value);

const node = (nodeId: string, config: string, emu: number) =>
  ({ nodeId, config, emu, tenants: [], predicted: false, qps: {}, overcommitted: false, basis: '' }) as NonNullable<
    Plan['nodes']
  >[number];

describe('plan metrics', () => {
  it('expose the applied plan read at scrape time, and zeros before one', async () => {
    const store: { current: Plan | undefined } = { current: undefined };
    let reads = 0;
    const registry = new Registry();
    registerPlanMetrics(registry, {
      get: async () => {
        reads++;
        return store.current;
      },
    });
    const none = parseExposition(await registry.metrics());
    assert.deepEqual(value(none, 'hera_placement_plan_version'), [0]);
    assert.equal(value(none, 'hera_placement_plan_node_emu').length, 0);
    assert.equal(reads, 1, 'one read per scrape');
    store.current = {
      version: '7',
      createdAtMs: '1',
      nodeClass: '2c',
      nodes: [node('n1', 'rmc2:1+ncf:1', 1.3), node('n2', 'rmc2:1+ncf:1', 1.25), node('', 'wnd:2', 1)],
      demands: [],
      serversNeeded: 3,
      meanEmu: 1.18,
      solver: 'milp',
    } as unknown as Plan;
    await new Promise(r => setTimeout(r, 1_050));
    const s = parseExposition(await registry.metrics());
    assert.deepEqual(value(s, 'hera_placement_plan_version'), [7]);
    assert.deepEqual(value(s, 'hera_placement_plan_servers'), [3]);
    assert.deepEqual(value(s, 'hera_placement_plan_mean_emu'), [1.18]);
    assert.deepEqual(value(s, 'hera_placement_plan_configurations', { config: 'rmc2:1+ncf:1' }), [2]);
    assert.deepEqual(value(s, 'hera_placement_plan_configurations', { config: 'wnd:2' }), [1]);
    assert.deepEqual(value(s, 'hera_placement_plan_node_emu', { node: 'n2' }), [1.25]);
    assert.deepEqual(value(s, 'hera_placement_plan_node_emu', { node: '' }), [1]);
  });
});
