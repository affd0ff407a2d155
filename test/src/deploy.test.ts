/**
 * Deployment files: docker-compose.yml is checked by a real compose implementation
 * (Debian's docker-compose runs `config` without an engine) and must start every
 * service from an entry point that exists in the build.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MALLOC_TUNING, PAYLOAD_NODE_FLAGS } from '@hera/procs';

const root = join(__dirname, '..', '..');
const compose =
  spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0 ? 'docker-compose' : undefined;

describe('docker-compose.yml', () => {
  it(
    'is valid and defines the cluster',
    { skip: compose ? false : 'docker-compose is not installed (apt-get install -y docker-compose)' },
    () => {
      const res = spawnSync(compose!, ['-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      const services = spawnSync(compose!, ['-f', 'docker-compose.yml', 'config', '--services'], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.deepEqual(services.stdout.trim().split('\n').sort(), [
        'gateway',
        'jaeger',
        'placement',
        'profiler',
        'redis',
        'worker-1',
        'worker-2',
      ]);
      // Both worker nodes carry a CPU limit.
      assert.equal((res.stdout.match(/cpus: 2\.0/g) ?? []).length, 2, res.stdout);
    },
  );

  it('starts services from entry points that the build produces', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const mains = [...text.matchAll(/"(services\/\w+\/dist\/main\.js|libs\/cli\/dist\/main\.js)"/g)].map(m => m[1]!);
    assert.ok(mains.length >= 5);
    for (const m of new Set(mains)) assert.ok(existsSync(join(root, m)), `${m} does not exist`);
  });

  it('runs the payload-moving services with the payload tuning (libs/procs/src/payload-tuning.ts)', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    for (const svc of ['worker', 'gateway']) {
      const commands = [...text.matchAll(new RegExp(`command: \\[(.*"services/${svc}/dist/main\\.js")\\]`, 'g'))].map(
        m => m[1]!,
      );
      assert.ok(commands.length > 0, `no ${svc} command`);
      for (const c of commands)
        for (const f of PAYLOAD_NODE_FLAGS) assert.ok(c.includes(`"${f}"`), `${svc} command lacks ${f}: ${c}`);
    }
    for (const [k, v] of Object.entries(MALLOC_TUNING))
      assert.ok(text.includes(`${k}: "${v}"`), `compose environment lacks ${k}: "${v}"`);
  });
});
