import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayReadiness, type ReadinessView } from './readiness';

const view = (plan: { version: number; models: string[] } | undefined, routed: string[]): ReadinessView => ({
  plannedModels: () => plan,
  models: () => routed,
});
const catalog = (...names: string[]) => ({ get: (n: string) => (names.includes(n) ? {} : undefined) });

describe('gatewayReadiness', () => {
  it('is ready with a plan only once every model it places is registered and routed', () => {
    const plan = { version: 4, models: ['din', 'ncf'] };
    assert.deepEqual(gatewayReadiness(view(plan, []), catalog('din', 'ncf')), {
      ready: false,
      reason: 'plan v4: no route yet for din, ncf',
    });
    assert.deepEqual(gatewayReadiness(view(plan, ['ncf']), catalog('din', 'ncf')), {
      ready: false,
      reason: 'plan v4: no route yet for din',
    });
    assert.equal(
      gatewayReadiness(view(plan, ['din', 'ncf']), catalog('ncf')).ready,
      false,
      'din routed but not registered',
    );
    assert.equal(gatewayReadiness(view(plan, ['din', 'ncf']), catalog('din', 'ncf')).ready, true);
  });

  it('without a plan is ready once any registered model is routed', () => {
    assert.equal(gatewayReadiness(view(undefined, []), catalog('ncf')).ready, false);
    assert.equal(gatewayReadiness(view(undefined, ['ncf']), catalog()).ready, false);
    assert.equal(gatewayReadiness(view(undefined, ['ncf']), catalog('ncf')).ready, true);
  });

  it('is not ready with a plan that places nothing on a node', () => {
    assert.deepEqual(gatewayReadiness(view({ version: 2, models: [] }, ['ncf']), catalog('ncf')), {
      ready: false,
      reason: 'plan v2 places no model on a node',
    });
  });
});
