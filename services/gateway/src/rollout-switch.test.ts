/**
 * A version rollout as the gateway sees it (fakes of Redis and the hosts, the real RoutingTable
 * and Ranker): the node record moves a tenant to a new endpoint serving a new version while a
 * query is in flight on the old one. The stream to the old host is closed by the refresh (its
 * call fails UNAVAILABLE, as InferStreamClient fails calls in flight on close); the query is
 * retried on the new endpoint and answered, reporting the version that scored it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@hera/logger';
import type { InferRequest, InferResponse__Output } from '@hera/proto';
import type { NodeRecord } from '@hera/state';
import { toCatalogEntry, type CatalogEntry } from './catalog';
import { Ranker } from './ranker';
import type { InferStream } from './replica';
import { RoutingTable, type HostConnector } from './routing';
import { rankQuery, tinyModel } from './test-fixtures';

const record = (endpoint: string, version: string): NodeRecord => ({
  nodeId: 'n1',
  endpoint: 'n1:50052',
  nodeClass: 'c',
  cores: 2,
  memoryBytes: 1 << 30,
  cgroupMode: 'none',
  backend: '',
  labels: {},
  resctrl: false,
  startedAtMs: 0,
  heartbeatAtMs: 0,
  tenants: { tiny: { endpoint, workers: 1, state: 'serving', version } },
});

/** h1 holds every call until its stream is closed; h2 answers at once with version "2". */
class Hosts implements HostConnector {
  readonly asked: string[] = [];
  stream(endpoint: string): InferStream & { close(): void } {
    const held: ((e: Error) => void)[] = [];
    return {
      infer: (req: InferRequest) => {
        this.asked.push(`${endpoint} v${req.version}`);
        if (endpoint === 'h1:1') return new Promise<InferResponse__Output>((_, reject) => held.push(reject));
        const n = Number(req.items!.itemCount);
        return Promise.resolve({
          scores: new Uint8Array(n * 4),
          version: '2',
          queueUs: 1,
          computeUs: 1,
        } as InferResponse__Output);
      },
      close: () => {
        for (const reject of held.splice(0))
          reject(
            Object.assign(new Error('14 UNAVAILABLE: client closed with the request in flight'), {
              code: grpc.status.UNAVAILABLE,
              details: 'client closed with the request in flight',
              metadata: new grpc.Metadata(),
            }),
          );
      },
    };
  }
  health(): Promise<string> {
    return Promise.resolve('SERVING');
  }
}

describe('a rollout seen from the gateway (fakes)', () => {
  it('retries a call cut by the switch on the new endpoint and reports the version that answered', async () => {
    let records = [record('h1:1', '1')];
    const hosts = new Hosts();
    const table = new RoutingTable(
      { plans: { get: () => Promise.resolve(undefined) }, nodes: { live: () => Promise.resolve(records) } },
      silentLogger(),
      hosts,
    );
    await table.refresh();
    // The catalog already names version 2 (the rollout updated the ModelRecord first).
    let model: CatalogEntry = toCatalogEntry(tinyModel({ version: '2' }));
    const ranker = new Ranker({ get: n => (n === model.name ? model : undefined) }, table, {
      maxItems: 1024,
      deadlineSlaMultiple: 100,
      admissionControl: false,
      validateValues: false,
    });
    const pending = ranker.rank(rankQuery(model, 4));
    await new Promise(r => setImmediate(r));
    assert.deepEqual(hosts.asked, ['h1:1 v1'], 'the old host is asked for the version it serves');

    records = [record('h2:1', '2')];
    await table.refresh();
    const res = await pending;
    assert.equal(res.version, '2');
    assert.deepEqual(hosts.asked, ['h1:1 v1', 'h2:1 v2'], 'retried once on the new endpoint');

    model = toCatalogEntry(tinyModel({ version: '2' }));
    const next = await ranker.rank(rankQuery(model, 4));
    assert.equal(next.version, '2');
  });
});
