import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricsPorts, metricsUrl } from './up';

describe('hera up --metrics', () => {
  it('gives each service its own port from the base, node agents last', () => {
    assert.deepEqual(
      [...metricsPorts(9464, 2)],
      [
        ['gateway', 9464],
        ['placement', 9465],
        ['profiler', 9466],
        ['worker-1', 9467],
        ['worker-2', 9468],
      ],
    );
    assert.deepEqual([...metricsPorts(9464, 1)].at(-1), ['worker', 9467]);
  });

  it('is off at 0 and refuses a base whose ports run past 65535', () => {
    assert.equal(metricsPorts(0, 3).size, 0);
    assert.throws(() => metricsPorts(65534, 1), /needs 4 ports/);
  });

  it('points at loopback when the services bind every interface', () => {
    assert.equal(metricsUrl('0.0.0.0', 9464), 'http://127.0.0.1:9464/metrics');
    assert.equal(metricsUrl('::1', 9464), 'http://[::1]:9464/metrics');
    assert.equal(metricsUrl('10.0.0.5', 9470), 'http://10.0.0.5:9470/metrics');
  });
});
