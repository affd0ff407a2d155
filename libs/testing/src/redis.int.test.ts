/** The per-file Redis helper: it answers, and it never leaves a redis-server behind. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { isAlive, startChild, waitForExit } from '@hera/procs';
import { startRedis } from './redis';

describe('startRedis', () => {
  it('starts a private server that answers, and stop() ends the process', async () => {
    const r = await startRedis();
    const client = new Redis(r.url);
    try {
      assert.equal(await client.ping(), 'PONG');
      assert.equal(await client.dbsize(), 0);
    } finally {
      client.disconnect();
      await r.stop();
    }
    await waitForExit(r.pid, 5_000);
    await r.stop(); // idempotent
  });

  it('stops the server even when the test that started it fails', async () => {
    // A test file that starts Redis, prints its pid, and then fails.
    const dir = mkdtempSync(join(tmpdir(), 'hera-failing-'));
    const file = join(dir, 'failing.test.js');
    writeFileSync(
      file,
      `const { after, it } = require('node:test');
       const { startRedis } = require(${JSON.stringify(require.resolve('./redis'))});
       let r; after(() => r?.stop());
       it('fails', async () => { r = await startRedis(); console.log('REDIS_PID=' + r.pid); throw new Error('deliberate'); });`,
    );
    try {
      // Without NODE_TEST_CONTEXT the inner runner reports as a top-level run (plain text),
      // not to us over the runner's internal protocol.
      const env = { ...process.env };
      delete env['NODE_TEST_CONTEXT'];
      const child = startChild(process.execPath, ['--test', file], { env });
      const line = await child.waitForLine(/REDIS_PID=\d+/, 20_000);
      assert.notEqual(await child.exited, 0, 'the inner test fails');
      const pid = Number(line.split('=')[1]);
      await waitForExit(pid, 5_000);
      assert.equal(isAlive(pid), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
