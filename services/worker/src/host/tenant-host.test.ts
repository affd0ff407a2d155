/**
 * TenantHost over its control socket (a Unix socket in a temporary directory, as the agent
 * uses it), with a fake pool, start and exit: no model, no gRPC server, no process exit.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endServerTrace, startServerTrace } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import { connectOnce, readMessages, writeMessage } from './control-socket';
import type { AgentToHost, StartMessage } from './protocol';
import { TenantHost } from './tenant-host';
import type { WorkerPool } from './worker-pool';

const dir = mkdtempSync(join(tmpdir(), 'hera-host-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function setup(name: string, orphanMs = 60_000) {
  const events: string[] = [];
  const socketPath = join(dir, `${name}.sock`);
  const descriptor = join(dir, `${name}.json`);
  writeFileSync(descriptor, '{}');
  let exited!: (code: number) => void;
  const exit = new Promise<number>(r => (exited = r));
  const host = new TenantHost({
    socketPath,
    files: [socketPath, descriptor],
    orphanMs,
    id: `id-${name}`,
    log: silentLogger(),
    tracing: true,
    start: (m: StartMessage) => {
      events.push(`start ${m.model}`);
      host.pool = {
        resize: (n: number) => void events.push(`resize ${n}`),
        drain: (ms: number) => (
          events.push(`drain ${ms} (files ${existsSync(descriptor) ? 'kept' : 'gone'})`),
          Promise.resolve()
        ),
      } as unknown as WorkerPool;
      return Promise.resolve();
    },
    exit: code => {
      events.push(`exit ${code} (files ${existsSync(descriptor) ? 'kept' : 'gone'})`);
      exited(code);
    },
  });
  return { host, events, exit, socketPath, descriptor };
}

/** Connects as the agent; `messages` collects what the host sends. */
async function agent(socketPath: string) {
  const s = await connectOnce(socketPath, 1_000);
  const messages: { type: string }[] = [];
  readMessages(s, m => messages.push(m));
  const send = (m: AgentToHost) => writeMessage(s, m);
  return { s, messages, send };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise(r => setTimeout(r, 5));
  assert.ok(cond(), 'timed out');
};

describe('TenantHost', () => {
  it("follows the agent's messages, then drains in order and exits", async () => {
    const { host, events, exit, descriptor } = setup('a');
    await host.listen();
    const a = await agent(join(dir, 'a.sock'));
    await until(() => a.messages.length > 0);
    assert.deepEqual(a.messages[0], {
      type: 'hello',
      pid: process.pid,
      id: 'id-a',
      started: false,
      draining: false,
      workers: 0,
      subBatchSize: 1,
    });

    const start = { type: 'start', model: 'm', workers: 2 } as unknown as AgentToHost;
    a.send(start);
    a.send(start); // once per host
    a.send({ type: 'set-workers', workers: 3 });
    a.send({ type: 'set-sub-batch', subBatchSize: 0 });
    await until(() => events.includes('resize 3'));
    assert.equal(host.started, true);
    assert.equal(host.workersWanted, 3);
    assert.equal(host.subBatch, 1, 'at least 1');
    assert.equal(host.draining, false);

    // A span recorded just before the drain still reaches the agent before the host exits.
    const t = endServerTrace(startServerTrace({ traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` })!, 0, '');
    host.spans!.add(t);
    a.send({ type: 'drain', graceMs: 123 });
    assert.equal(await exit, 0);
    assert.equal(host.draining, true);
    assert.deepEqual(events, ['start m', 'resize 3', 'drain 123 (files kept)', 'exit 0 (files gone)']);
    await until(() => a.messages.some(m => m.type === 'spans'));
    assert.deepEqual(
      a.messages.find(m => m.type === 'spans'),
      { type: 'spans', spans: [t.toJSON()] },
    );
    assert.equal(existsSync(descriptor), false);
    await host.shutdown(1, 'again'); // once
    assert.equal(events.filter(e => e.startsWith('exit')).length, 1);
    a.s.destroy();
  });

  it('drains and exits when no agent connects within orphanMs', async () => {
    const { host, events, exit } = setup('b', 30);
    await host.listen();
    assert.equal(await exit, 0);
    assert.deepEqual(events, ['exit 0 (files gone)']);
  });
});
