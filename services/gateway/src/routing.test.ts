/** The RoutingTable over in-memory fakes of the plan, the node records and the hosts: no Redis, no network. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@hera/logger';
import type { Plan } from '@hera/proto';
import type { NodeRecord } from '@hera/state';
import type { InferStream } from './replica';
import { RoutingTable, type HostConnector, type RoutingSources } from './routing';

type Tenants = NodeRecord['tenants'];

function node(nodeId: string, tenants: Tenants): NodeRecord {
  return {
    nodeId,
    endpoint: `${nodeId}:50052`,
    nodeClass: 'c',
    cores: 2,
    memoryBytes: 1 << 30,
    cgroupMode: 'none',
    backend: '',
    labels: {},
    resctrl: false,
    startedAtMs: 0,
    heartbeatAtMs: 0,
    tenants,
  };
}

const serving = (endpoint: string, workers = 1, subBatchSize?: number) => ({
  endpoint,
  workers,
  state: 'serving',
  ...(subBatchSize ? { subBatchSize } : {}),
});

function plan(version: number, placed: Record<string, string[]>): Plan {
  return {
    version,
    createdAtMs: version,
    nodes: Object.entries(placed).map(([nodeId, models]) => ({
      nodeId,
      config: models.join('+'),
      tenants: models.map(model => ({ model, workers: 1 })),
    })),
  };
}

/** What Redis would hold, settable by the test; `down` makes every read fail. */
class FakeCluster implements RoutingSources {
  plan: Plan | undefined;
  records: NodeRecord[] = [];
  down = false;
  plans = { get: () => (this.down ? Promise.reject(new Error('connection refused')) : Promise.resolve(this.plan)) };
  nodes = { live: () => (this.down ? Promise.reject(new Error('connection refused')) : Promise.resolve(this.records)) };
}

/** Hosts that answer health checks from `health` (SERVING unless set); records streams opened and closed. */
class FakeHosts implements HostConnector {
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  readonly health_ = new Map<string, string>();
  readonly checked: string[] = [];
  stream(endpoint: string): InferStream & { close(): void } {
    this.opened.push(endpoint);
    return { infer: () => Promise.reject(new Error('not used')), close: () => void this.closed.push(endpoint) };
  }
  health(endpoint: string): Promise<string> {
    this.checked.push(endpoint);
    return Promise.resolve(this.health_.get(endpoint) ?? 'SERVING');
  }
}

function setup() {
  const cluster = new FakeCluster();
  const hosts = new FakeHosts();
  const table = new RoutingTable(cluster, silentLogger(), hosts);
  const routes = (model: string) =>
    table
      .replicas(model)
      .map(r => `${r.nodeId}@${r.endpoint}×${r.workers}`)
      .sort();
  return { cluster, hosts, table, routes };
}

describe('RoutingTable (fakes)', () => {
  describe('refresh', () => {
    it('without a plan routes every serving tenant, and skips tenants that are not serving', async () => {
      const { cluster, table, routes } = setup();
      cluster.records = [
        node('n1', { a: serving('h1:1', 2), b: { endpoint: 'h1:2', workers: 1, state: 'loading' } }),
        node('n2', { a: serving('h2:1') }),
      ];
      await table.refresh();
      assert.deepEqual(routes('a'), ['n1@h1:1×2', 'n2@h2:1×1']);
      assert.deepEqual(table.replicas('b'), []);
      assert.equal(table.plannedModels(), undefined);
    });

    it('with a plan routes only the tenants it places, and follows a later plan', async () => {
      const { cluster, hosts, table, routes } = setup();
      cluster.records = [node('n1', { a: serving('h1:1') }), node('n2', { a: serving('h2:1'), b: serving('h2:2') })];
      cluster.plan = plan(1, { n1: ['a'] });
      await table.refresh();
      assert.deepEqual(routes('a'), ['n1@h1:1×1']);
      assert.deepEqual(table.models(), ['a']);
      assert.deepEqual(table.plannedModels(), { version: 1, models: ['a'] });

      cluster.plan = plan(2, { n2: ['a', 'b'] });
      await table.refresh();
      assert.equal(table.planVersion, 2);
      assert.deepEqual(routes('a'), ['n2@h2:1×1']);
      assert.deepEqual(routes('b'), ['n2@h2:2×1']);
      assert.deepEqual(hosts.closed, ['h1:1'], 'the stream to the host no longer routed to is closed');
    });

    it('ignores an earlier plan read back (an older snapshot)', async () => {
      const { cluster, table, routes } = setup();
      cluster.records = [node('n1', { a: serving('h1:1') }), node('n2', { a: serving('h2:1') })];
      cluster.plan = plan(5, { n2: ['a'] });
      await table.refresh();
      cluster.plan = plan(4, { n1: ['a'] });
      await table.refresh();
      assert.equal(table.planVersion, 5);
      assert.deepEqual(routes('a'), ['n2@h2:1×1']);
    });

    it('keeps a replica (and its measurements) across refreshes and takes its new worker count', async () => {
      const { cluster, hosts, table } = setup();
      cluster.records = [node('n1', { a: serving('h1:1', 1) })];
      await table.refresh();
      const first = table.replicas('a')[0]!;
      first.msPerItem = 0.5;
      cluster.records = [node('n1', { a: serving('h1:1', 3) })];
      await table.refresh();
      assert.equal(table.replicas('a')[0], first);
      assert.equal(first.workers, 3);
      assert.equal(first.msPerItem, 0.5);
      assert.deepEqual(hosts.opened, ['h1:1'], 'one stream per host');
    });

    it('keeps the last-known routes while the sources cannot be read, without health-checking vouched hosts', async () => {
      const { cluster, hosts, table, routes } = setup();
      cluster.records = [node('n1', { a: serving('h1:1') })];
      await table.refresh();
      cluster.down = true;
      await table.refresh();
      assert.deepEqual(routes('a'), ['n1@h1:1×1']);
      assert.deepEqual(hosts.checked, ['h1:1'], 'unvouched now: its host is checked, and answers');
    });

    it('drops a replica no record vouches for after two failed health checks in a row', async () => {
      const { cluster, hosts, table, routes } = setup();
      cluster.records = [node('n1', { a: serving('h1:1') })];
      await table.refresh();
      cluster.records = [];
      hosts.health_.set('h1:1', 'UNAVAILABLE');
      await table.refresh();
      assert.deepEqual(routes('a'), ['n1@h1:1×1'], 'one failed check is no proof');
      await table.refresh();
      assert.deepEqual(routes('a'), []);
      assert.deepEqual(hosts.closed, ['h1:1']);
    });

    it("takes the smallest sub-batch size the model's hosts report", async () => {
      const { cluster, table } = setup();
      cluster.records = [
        node('n1', { a: serving('h1:1', 1, 128), b: serving('h1:2') }),
        node('n2', { a: serving('h2:1', 1, 64) }),
      ];
      await table.refresh();
      assert.equal(table.subBatchSize('a'), 64);
      assert.equal(table.subBatchSize('b'), undefined);
    });
  });

  describe('pick', () => {
    it('prefers the replica with less outstanding work per worker, and avoids a suspect one', async () => {
      const { cluster, table } = setup();
      cluster.records = [node('n1', { a: serving('h1:1', 1) }), node('n2', { a: serving('h2:1', 4) })];
      await table.refresh();
      const r1 = table.replicas('a').find(r => r.nodeId === 'n1')!;
      const r2 = table.replicas('a').find(r => r.nodeId === 'n2')!;
      r1.outstandingItems = 10; // 10 per worker
      r2.outstandingItems = 20; // 5 per worker
      for (let i = 0; i < 20; i++) assert.equal(table.pick('a'), r2);
      r2.markSuspect(Date.now());
      for (let i = 0; i < 20; i++) assert.equal(table.pick('a'), r1);
      assert.equal(table.pick('a', r1), r2, 'a suspect replica is the last resort');
      assert.equal(table.pick('nope'), undefined);
    });
  });

  describe('estimateMs', () => {
    it('is undefined for an idle or unmeasured model, else the queued items over the combined rate', async () => {
      const { cluster, table } = setup();
      cluster.records = [node('n1', { a: serving('h1:1', 2) })];
      await table.refresh();
      const r = table.replicas('a')[0]!;
      assert.equal(table.estimateMs('a', 10, 4), undefined, 'not measured');
      r.msPerItem = 1;
      assert.equal(table.estimateMs('a', 10, 4), undefined, 'nothing outstanding');
      r.outstandingItems = 30;
      // (30 + 10) items at 2 items/ms = 20 ms, × 1.25 for transport.
      assert.equal(table.estimateMs('a', 10, 4), 25);
    });
  });
});
