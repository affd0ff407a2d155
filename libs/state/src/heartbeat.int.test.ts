/** Heartbeat records against a real redis-server: TTL, refresh, listing and pruning. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redisPerFile } from '@hera/testing';
import { Heartbeat, listLive } from './heartbeat';
import { Keyspace } from './keys';

const db = redisPerFile();

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

describe('Heartbeat', () => {
  it('writes the record with a TTL of three intervals and removes it on stop', async () => {
    const keys = new Keyspace('hb1');
    const hb = new Heartbeat(db.redis, {
      key: keys.node('n1'),
      indexKey: keys.nodes(),
      member: 'n1',
      intervalMs: 200,
      value: () => ({ nodeId: 'n1' }),
    });
    await hb.start();
    const ttl = await db.redis.pttl(keys.node('n1'));
    assert.ok(ttl > 400 && ttl <= 600, `ttl ${ttl}`);
    assert.deepEqual((await listLive(db.redis, keys.nodes(), keys.node.bind(keys))).live, [{ nodeId: 'n1' }]);
    await hb.stop();
    assert.equal(await db.redis.exists(keys.node('n1')), 0);
    assert.equal(await db.redis.sismember(keys.nodes(), 'n1'), 0);
  });

  it('keeps a beating record alive past its TTL, and lets it expire when beats stop', async () => {
    const keys = new Keyspace('hb2');
    const hb = new Heartbeat(db.redis, {
      key: keys.node('n2'),
      indexKey: keys.nodes(),
      member: 'n2',
      intervalMs: 100,
      value: () => ({ nodeId: 'n2' }),
    });
    await hb.start();
    await sleep(450); // beyond one TTL (300 ms): only refreshes keep it
    assert.equal(await db.redis.exists(keys.node('n2')), 1);
    // Simulate a dead process: stop the timer without deleting (what SIGKILL leaves behind).
    (hb as unknown as { beat: () => Promise<void> }).beat = async () => {};
    await sleep(450);
    const { live, expired } = await listLive(db.redis, keys.nodes(), keys.node.bind(keys));
    assert.deepEqual(live, []);
    assert.deepEqual(expired, ['n2']);
    assert.equal(await db.redis.sismember(keys.nodes(), 'n2'), 0, 'expired member is pruned from the index');
    await hb.stop();
  });
});

describe('Keyspace', () => {
  it('namespaces every key under the prefix and orders pair keys', () => {
    const k = new Keyspace('p:');
    assert.equal(k.node('x'), 'p:node:x');
    assert.equal(k.pairProfile('c', 'wnd', 'dien'), 'p:pair:c:dien:wnd');
    assert.equal(k.bullPrefix(), 'p:bull');
  });
});
