/** startService runs the entry point its caller names, and nothing it would have to look up. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from './services';

const dir = mkdtempSync(join(tmpdir(), 'hera-start-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('startService', () => {
  it('starts the given entry point with GRPC_PORT=0 and the env, and reads its address from the serving line', async () => {
    // A stand-in service: logs like one (with what it was given), exits 0 on SIGTERM.
    const main = join(dir, 'stand-in.js');
    writeFileSync(
      main,
      `process.on('SIGTERM', () => process.exit(0));
       console.log(JSON.stringify({ msg: 'placement serving', address: '127.0.0.1:' + (40000 + Number(process.env.GRPC_PORT)), extra: process.env.EXTRA }));
       setInterval(() => undefined, 1000);`,
    );
    const svc = await startService({ name: 'placement', main }, { EXTRA: 'yes' }, 10_000);
    try {
      assert.equal(svc.address, '127.0.0.1:40000');
      assert.match(svc.child.lines[0]!, /"extra":"yes"/);
    } finally {
      assert.equal(await svc.stop(), 0);
    }
  });

  it('fails when the entry point never logs the serving line of the name it was given', async () => {
    const main = join(dir, 'silent.js');
    writeFileSync(main, `console.log(JSON.stringify({ msg: 'gateway serving' })); setInterval(() => undefined, 1000);`);
    // It logs the wrong service's line: startService waits for the name it was given.
    await assert.rejects(startService({ name: 'profiler', main }, {}, 500), /no line matching/);
  });
});
