/**
 * `hera up --observability` / `--otlp`: which OTLP endpoint the services get, found by a TCP
 * probe of a real listener on loopback (nothing is sent to it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { freePort } from '@hera/testing';
import { observabilityEnv, tcpReachable } from './observability';

describe('observabilityEnv', () => {
  it('uses --otlp as given, says when nothing answers there, and sets nothing without a flag', async () => {
    const port = await freePort();
    const said: string[] = [];
    const env = await observabilityEnv({ otlp: `http://127.0.0.1:${port}`, probe: false }, l => said.push(l));
    assert.deepEqual(env, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    assert.match(said[0]!, /where nothing answers yet/);
    assert.deepEqual(await observabilityEnv({ probe: false }, l => said.push(l)), {});
    assert.equal(said.length, 1);
  });

  it('finds a listening collector with a TCP probe', async () => {
    const server = createServer(s => s.destroy());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      assert.equal(await tcpReachable(`http://127.0.0.1:${port}`), true);
      const said: string[] = [];
      const env = await observabilityEnv({ otlp: `http://127.0.0.1:${port}`, probe: true }, l => said.push(l));
      assert.deepEqual(env, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
      assert.match(said[0]!, /^traces to the OTLP endpoint/);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
    assert.equal(await tcpReachable(`http://127.0.0.1:${port}`), false);
    assert.equal(await tcpReachable('not a url'), false);
  });
});
