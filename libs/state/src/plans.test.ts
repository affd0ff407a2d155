import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNewerPlan, parsePlan } from './plans';

describe('isNewerPlan', () => {
  it('follows a higher version, and a plan computed later even under a version already seen', () => {
    assert.equal(isNewerPlan({ version: 3, createdAtMs: 300 }, undefined), true);
    assert.equal(isNewerPlan({ version: 4, createdAtMs: 400 }, { version: 3, createdAtMs: 300 }), true);
    // Redis lost its data and the version counter started again: v1 again, but computed later.
    assert.equal(isNewerPlan({ version: 1, createdAtMs: 500 }, { version: 3, createdAtMs: 300 }), true);
    // Versions as the JSON of a proto message may carry them (uint64 as a string).
    assert.equal(isNewerPlan({ version: '10', createdAtMs: '1000' }, { version: '9', createdAtMs: '900' }), true);
  });

  it('does not follow the same plan read again or an earlier one restored from an older snapshot', () => {
    assert.equal(isNewerPlan({ version: 3, createdAtMs: 300 }, { version: 3, createdAtMs: 300 }), false);
    assert.equal(isNewerPlan({ version: 2, createdAtMs: 200 }, { version: 3, createdAtMs: 300 }), false);
  });
});

describe('parsePlan', () => {
  it('takes a plan as placement writes it, and one with every field absent', () => {
    const plan = {
      version: 2,
      createdAtMs: 1000,
      nodeClass: '2c',
      nodes: [{ nodeId: 'n1', config: 'ncf:1', tenants: [{ model: 'ncf', workers: 1 }] }],
      demands: [{ model: 'ncf', qps: 10 }],
    };
    assert.deepEqual(parsePlan('hera:plan', JSON.stringify(plan)), plan);
    assert.deepEqual(parsePlan('hera:plan', '{}'), {});
    assert.deepEqual(parsePlan('hera:plan', '{"version":"10","createdAtMs":"1000"}'), {
      version: '10',
      createdAtMs: '1000',
    });
  });

  it('names the key and what is wrong in a record that is not a plan', () => {
    const bad = (raw: string, why: RegExp) =>
      assert.throws(
        () => parsePlan('hera:plan', raw),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'INTERNAL');
          assert.match(err.message, /^malformed record hera:plan: /);
          assert.match(err.message, why);
          return true;
        },
      );
    bad('{"version":', /not JSON/);
    bad('[1,2]', /not a JSON object/);
    bad('{"version":-1}', /version is -1, not a count/);
    bad('{"createdAtMs":"soon"}', /createdAtMs is "soon", not a count/);
    bad('{"nodes":{"n1":{}}}', /nodes is \{"n1":\{\}\}, not a list/);
    bad('{"nodes":[null]}', /nodes\[0\] is null, not an object/);
    bad('{"nodes":[{"nodeId":7}]}', /nodes\[0\]\.nodeId is 7, not a string/);
    bad(
      '{"nodes":[{"nodeId":"n1","tenants":[{"model":"ncf","workers":"2"}]}]}',
      /nodes\[0\]\.tenants\[0\]\.workers is "2", not a number/,
    );
    bad('{"nodes":[{"nodeId":"n1","tenants":"ncf"}]}', /nodes\[0\]\.tenants is "ncf", not a list/);
    bad('{"demands":[{"model":1}]}', /demands\[0\]\.model is 1, not a string/);
  });
});
