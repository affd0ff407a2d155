/**
 * NodeDriver.backend against a scripted WorkerService on port 0 that behaves as a node agent
 * does: its node names no backend until a tenant host has loaded (ApplyAllocation here). A
 * profile's provenance read the node record before the job started its tenant and said
 * "backend unknown"; asked while the tenant serves, the agent names it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeServer, startServer, unary, type RunningServer } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import { services } from '@hera/proto';
import { NodeDriver } from './measure';

const log = silentLogger();
let agent: RunningServer;
/** What the scripted agent's hosts run: '' until one has loaded. */
let hostsBackend = '';
/** Each applied tenant's own backend (ncf on ONNX Runtime, others on wasm). */
const tenants = new Map<string, { allocation: { model: string }; state: string; endpoint: string; backend: string }>();

before(async () => {
  const node = () => ({
    nodeId: 'n1',
    endpoint: '',
    nodeClass: '2c',
    cores: 2,
    memoryBytes: 0,
    cgroupMode: 'none',
    backend: hostsBackend,
    labels: {},
    resctrl: false,
  });
  const implementation = {
    GetStatus: unary(log, 'GetStatus', () => ({ node: node(), tenants: [...tenants.values()] })),
    ApplyAllocation: unary(log, 'ApplyAllocation', (req: { allocation?: { model: string } }) => {
      hostsBackend = 'wasm';
      const model = req.allocation?.model ?? '';
      tenants.set(model, {
        allocation: { model },
        state: 'serving',
        endpoint: '127.0.0.1:1',
        backend: model === 'ncf' ? 'onnxruntime' : 'wasm',
      });
      return { tenant: { allocation: req.allocation, state: 'serving', endpoint: '127.0.0.1:1' }, changed: true };
    }),
  };
  agent = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [{ name: 'hera.worker.v1.WorkerService', definition: services().worker, implementation }],
  });
});

after(async () => {
  await closeServer(agent.server, 0);
});

describe('NodeDriver.backend', () => {
  it('names the backend the agent reports once the measured tenant serves, not the record read before', async () => {
    const driver = new NodeDriver('n1', agent.address, 2, 5_000);
    try {
      hostsBackend = '';
      assert.equal(await driver.backend(''), '', 'no host has loaded yet: nothing to name');
      await driver.apply('wnd', 1, [1], 32);
      assert.equal(await driver.backend(''), 'wasm');
    } finally {
      driver.close();
    }
  });

  it('falls back to the recorded backend when the agent names none or cannot be asked', async () => {
    hostsBackend = '';
    const driver = new NodeDriver('n1', agent.address, 2, 5_000);
    try {
      assert.equal(await driver.backend('cpu'), 'cpu');
    } finally {
      driver.close();
    }
    const gone = new NodeDriver('n1', '127.0.0.1:1', 2, 1_000);
    try {
      assert.equal(await gone.backend('cpu'), 'cpu');
    } finally {
      gone.close();
    }
  });
});

describe('NodeDriver.tenantBackend', () => {
  it("names each tenant's own backend, not the node's first tenant's, and '' for a tenant not running", async () => {
    const driver = new NodeDriver('n1', agent.address, 2, 5_000);
    try {
      tenants.clear();
      assert.equal(await driver.tenantBackend('ncf'), '');
      await driver.apply('wnd', 1, [1], 32);
      await driver.apply('ncf', 1, [0], 32);
      assert.equal(await driver.backend(''), 'wasm', "the node names its hosts' (first) backend");
      assert.equal(await driver.tenantBackend('ncf'), 'onnxruntime');
      assert.equal(await driver.tenantBackend('wnd'), 'wasm');
    } finally {
      driver.close();
    }
  });
});
