/**
 * The Planner over in-memory fakes of its stores and nodes, with the solve run in this thread
 * (runSolveTask, as the solver thread runs it): no Redis, no worker thread, no network.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeraError } from '@hera/errors';
import {
  loadMilpSolver,
  NODE_CLASS_2C,
  rooflineProfileSet,
  zooRooflineModels,
  type MilpSolver,
  type ProfileSet,
} from '@hera/hera';
import { silentLogger } from '@hera/logger';
import type { ModelEngine } from '@hera/model-schema';
import type { ExplainResponse, Plan } from '@hera/proto';
import type { Demand, ModelRecord, NodeRecord, PlanUpdate } from '@hera/state';
import { Planner, samePlacement, type PlannerDeps } from './planner';
import { runSolveTask } from './solve-task';

const SET: ProfileSet = rooflineProfileSet(zooRooflineModels(), NODE_CLASS_2C, { generatedBy: 'planner unit test' });
const [A, B] = SET.models.map(m => m.model) as [string, string];
const qpsMax = (model: string) => SET.models.find(m => m.model === model)!.qpsMax;

type PlanRecords = PlannerDeps['plans'];
type DemandRecords = PlannerDeps['demand'];

function node(nodeId: string): NodeRecord {
  return {
    nodeId,
    endpoint: `${nodeId}:50052`,
    nodeClass: NODE_CLASS_2C.name,
    cores: NODE_CLASS_2C.cores,
    memoryBytes: NODE_CLASS_2C.memoryBytes,
    cgroupMode: 'none',
    backend: '',
    labels: {},
    resctrl: false,
    startedAtMs: 0,
    heartbeatAtMs: 0,
    tenants: {},
  };
}

function model(name: string, engine?: ModelEngine): ModelRecord {
  return {
    name,
    version: '1',
    denseDim: 1,
    tables: [],
    slaMs: 100,
    subBatchSize: 64,
    sizeBytes: 0,
    ...(engine ? { engine } : {}),
  };
}

/** The applied plan as PlanStore keeps it: update() writes what `decide` returns under the next version. */
class FakePlans implements PlanRecords {
  plan: Plan | undefined;
  ver = 0;
  expl: ExplainResponse | undefined;
  get = () => Promise.resolve(this.plan);
  version = () => Promise.resolve(this.ver);
  explanation = () => Promise.resolve(this.expl);
  async update(
    decide: (current: Plan | undefined, version: number) => PlanUpdate | undefined | Promise<PlanUpdate | undefined>,
  ) {
    const next = await decide(this.plan, this.ver);
    if (!next) return { plan: this.plan, changed: false as const };
    const plan: Plan = { ...next.plan, version: ++this.ver };
    this.plan = plan;
    this.expl = next.explanation;
    return { plan, changed: true as const };
  }
}

class FakeDemand implements DemandRecords {
  stored: Demand[] = [];
  get = () => Promise.resolve([...this.stored]);
  set(demands: readonly Demand[], replace: boolean): Promise<Demand[]> {
    const byModel = new Map(replace ? [] : this.stored.map(d => [d.model, d.qps]));
    for (const d of demands) {
      if (d.qps > 0) byModel.set(d.model, d.qps);
      else byModel.delete(d.model);
    }
    this.stored = [...byModel].map(([m, qps]) => ({ model: m, qps })).sort((x, y) => x.model.localeCompare(y.model));
    return this.get();
  }
}

let milp: MilpSolver;
before(async () => {
  milp = await loadMilpSolver({ warmUp: false });
});

/** `engines`: the engine each model is built for (ModelRecord.engine; absent: none named, tfjs). */
function setup(
  opts: {
    nodes?: string[];
    set?: ProfileSet;
    demand?: Demand[];
    engines?: Record<string, ModelEngine>;
    /** Models the registry unloaded (ModelRecord.unloaded). */
    unloaded?: string[];
  } = {},
) {
  const plans = new FakePlans();
  const demand = new FakeDemand();
  demand.stored = opts.demand ?? [];
  const set = opts.set ?? SET;
  const solves: string[] = [];
  const deps: PlannerDeps = {
    nodes: { live: () => Promise.resolve((opts.nodes ?? ['n1', 'n2']).map(node)) },
    plans,
    profiles: { classes: () => [NODE_CLASS_2C.name], forClass: () => Promise.resolve(set) },
    demand,
    models: {
      list: () =>
        Promise.resolve(
          SET.models.map(m => ({
            ...model(m.model, opts.engines?.[m.model]),
            ...(opts.unloaded?.includes(m.model) ? { unloaded: true as const } : {}),
          })),
        ),
    },
    solver: {
      run: task => {
        solves.push(task.kind);
        return Promise.resolve(runSolveTask(task, milp));
      },
    },
  };
  return { planner: new Planner(deps, 2_000, silentLogger()), plans, demand, solves };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof HeraError ? `${e.code}: ${e.message}` : String(e)),
  );
/** Each node's tenants as "node: model×workers …", the plan's placement at a glance. */
const placement = (plan: Plan) =>
  (plan.nodes ?? []).map(
    n => `${n.nodeId}${n.overcommitted ? '!' : ''}: ${(n.tenants ?? []).map(t => `${t.model}×${t.workers}`).join(' ')}`,
  );

describe('samePlacement', () => {
  it('tells plans apart by the versions their tenants serve (a changed version set is a new plan)', () => {
    const plan = (version: string): Plan => ({
      nodeClass: '2c',
      nodes: [{ nodeId: 'n1', config: 'm:1', tenants: [{ model: 'm', version, workers: 1 }] }],
    });
    assert.equal(samePlacement(plan('1,2'), plan('1,2')), true);
    assert.equal(samePlacement(plan('1,2'), plan('2')), false);
  });
});

describe('Planner (fakes)', () => {
  describe("unloaded models (the registry's UnloadModel)", () => {
    it('keeps their demand but plans without them; with only unloaded demand the plan places nothing', async () => {
      const demand = [
        { model: A, qps: qpsMax(A) / 2 },
        { model: B, qps: qpsMax(B) / 2 },
      ];
      const one = setup({ demand, unloaded: [B] });
      const { plan } = await one.planner.compute();
      assert.ok(
        placement(plan).every(n => !n.includes(`${B}×`)),
        placement(plan).join('; '),
      );
      assert.ok(placement(plan).some(n => n.includes(`${A}×`)));
      assert.deepEqual(
        (plan.demands ?? []).map(d => d.model),
        [A],
        'the plan lists the demand it serves',
      );
      const all = setup({ demand, unloaded: [A, B] });
      const empty = await all.planner.compute();
      assert.deepEqual(all.solves, [], 'nothing to solve');
      assert.deepEqual(empty.plan.nodes, []);
      assert.equal(empty.plan.serversNeeded, 0);
    });
  });

  describe('compute', () => {
    it('produces a plan that serves the stored demand on the registered nodes', async () => {
      const { planner, solves } = setup({
        demand: [
          { model: A, qps: qpsMax(A) / 2 },
          { model: B, qps: qpsMax(B) / 2 },
        ],
      });
      const { plan, explanation } = await planner.compute();
      assert.deepEqual(solves, ['solve']);
      assert.equal(plan.nodeClass, '2c');
      assert.deepEqual(plan.demands, [
        { model: A, qps: qpsMax(A) / 2 },
        { model: B, qps: qpsMax(B) / 2 },
      ]);
      assert.ok(
        plan.serversNeeded! >= 1 && plan.serversNeeded! <= 2,
        `${plan.serversNeeded} servers for half a dedicated server of each`,
      );
      const placed = (plan.nodes ?? []).flatMap(n => (n.tenants ?? []).map(t => t.model!));
      assert.deepEqual([...new Set(placed)].sort(), [A, B].sort());
      assert.ok(
        (plan.nodes ?? []).every(n => ['n1', 'n2'].includes(n.nodeId!) && !n.overcommitted),
        placement(plan).join('; '),
      );
      assert.equal(
        explanation.reduce((s, c) => s + c.count, 0),
        plan.serversNeeded,
      );
    });

    it('overcommits the least loaded nodes when the cluster is short of servers', async () => {
      const { planner } = setup({ nodes: ['n1'], demand: [{ model: A, qps: qpsMax(A) * 2.5 }] });
      const { plan } = await planner.compute();
      assert.equal(plan.serversNeeded, 3);
      assert.deepEqual(
        placement(plan).map(p => p.split(':')[0]),
        ['n1', 'n1!', 'n1!'],
      );
    });

    it('refuses with PRECONDITION naming the models that have no profile', async () => {
      const set = { ...SET, models: SET.models.filter(m => m.model !== B) };
      const { planner, solves } = setup({
        set,
        demand: [
          { model: A, qps: 1 },
          { model: B, qps: 1 },
        ],
      });
      assert.equal(
        await failure(planner.compute()),
        `PRECONDITION: no profile on node class 2c for: ${B} (run hera profile)`,
      );
      assert.deepEqual(solves, [], 'nothing solved');
    });

    it('refuses with PRECONDITION naming the model, both engines and what to do when a model built for onnx has only TF.js (roofline) profiles', async () => {
      const { planner, solves } = setup({
        engines: { [A]: 'onnx' },
        demand: [
          { model: A, qps: 1 },
          { model: B, qps: 1 },
        ],
      });
      const why = await failure(planner.compute());
      assert.match(
        why,
        new RegExp(
          `^PRECONDITION: profiles of another engine: model ${A} is built for onnx but its profile on node class 2c describes tfjs \\(the roofline describes TF\\.js`,
        ),
      );
      assert.match(why, new RegExp(`re-profile it on onnx \\(hera profile ${A}\\)`));
      assert.doesNotMatch(why, new RegExp(`model ${B}`), 'a TF.js model on TF.js profiles is fine');
      assert.deepEqual(solves, [], 'nothing solved');
      // Pinned placements are valued from the same profiles: refused the same way.
      assert.match(
        await failure(planner.compute({ pinned: [{ config: `${A}:1+${B}:1`, count: 1 }] })),
        new RegExp(`^PRECONDITION: profiles of another engine: model ${A} is built for onnx`),
      );
      assert.deepEqual(solves, []);
    });

    it('refuses a model built for TF.js whose profile was measured on ONNX Runtime, and plans each from profiles of its own engine', async () => {
      const measuredOnOnnx: ProfileSet = {
        ...SET,
        models: SET.models.map(m =>
          m.model === A
            ? {
                ...m,
                engine: 'onnx' as const,
                provenance: {
                  ...m.provenance,
                  engine: { kind: 'measured' as const, detail: 'the measured tenant ran on onnxruntime' },
                },
              }
            : m,
        ),
      };
      const demand = [
        { model: A, qps: qpsMax(A) / 2 },
        { model: B, qps: qpsMax(B) / 2 },
      ];
      const tfjs = setup({ set: measuredOnOnnx, demand });
      assert.equal(
        await failure(tfjs.planner.compute()),
        `PRECONDITION: profiles of another engine: model ${A} is built for tfjs but its profile on node class 2c describes onnx (the measured tenant ran on onnxruntime): re-profile it on tfjs (hera profile ${A}) so placement plans from that engine's figures`,
      );
      const onnx = setup({ set: measuredOnOnnx, demand, engines: { [A]: 'onnx' } });
      const { plan } = await onnx.planner.compute();
      assert.deepEqual(
        [...new Set((plan.nodes ?? []).flatMap(n => (n.tenants ?? []).map(t => t.model!)))].sort(),
        [A, B].sort(),
      );
    });

    it('refuses a measured pair whose tenants ran another engine than their models are built for', async () => {
      const set: ProfileSet = {
        ...SET,
        models: SET.models.map(m => (m.model === A ? { ...m, engine: 'onnx' as const } : m)),
        pairs: [
          {
            a: A,
            b: B,
            splits: [{ workersA: 1, workersB: 1, qpsA: 1, qpsB: 1 }],
            provenance: { kind: 'measured', detail: 'test' },
          },
        ],
      };
      const { planner, solves } = setup({
        set,
        engines: { [A]: 'onnx' },
        demand: [
          { model: A, qps: 1 },
          { model: B, qps: 1 },
        ],
      });
      assert.equal(
        await failure(planner.compute()),
        `PRECONDITION: profiles of another engine: the pair ${A}+${B} on node class 2c was measured with ${A} on tfjs and ${B} on tfjs, but they are built for onnx and tfjs: re-profile the pair (hera profile --pairs --models ${A},${B})`,
      );
      assert.deepEqual(solves, []);
    });

    it('refuses without demand, and names models that are not registered', async () => {
      const { planner } = setup();
      assert.equal(
        await failure(planner.compute()),
        'PRECONDITION: no demand: set target QPS per model with SetDemand (hera plan demand)',
      );
      assert.equal(
        await failure(planner.compute({ demands: [{ model: 'nope', qps: 1 }] })),
        'NOT_FOUND: models not registered: nope',
      );
    });
  });

  describe('apply', () => {
    it('writes a new plan under the next version, and nothing when the placement is unchanged', async () => {
      const { planner, plans } = setup({ demand: [{ model: A, qps: qpsMax(A) / 2 }] });
      const first = await planner.apply();
      assert.equal(first.changed, true);
      assert.equal(first.plan.version, 1);
      assert.equal(plans.plan, first.plan);
      assert.equal(plans.expl?.configs?.length, first.computed.explanation.length);
      const again = await planner.apply();
      assert.equal(again.changed, false);
      assert.equal(again.plan.version, 1);
      assert.equal(plans.ver, 1);
    });

    it('checks expected_version before computing', async () => {
      const { planner, solves } = setup({ demand: [{ model: A, qps: 1 }] });
      assert.equal(
        await failure(planner.apply({ expectedVersion: 3 })),
        'PRECONDITION: expected_version: the plan is at version 0; version 3 was never applied',
      );
      assert.deepEqual(solves, []);
    });
  });

  describe('setDemand', () => {
    it("converts dedicated units on the class's profile and stores the result", async () => {
      const { planner, demand } = setup({ demand: [{ model: B, qps: 7 }] });
      const stored = await planner.setDemand([{ model: A, qps: 0, dedicatedUnits: 2 }], false);
      assert.deepEqual(
        stored,
        [
          { model: A, qps: 2 * qpsMax(A) },
          { model: B, qps: 7 },
        ].sort((x, y) => x.model.localeCompare(y.model)),
      );
      assert.deepEqual(demand.stored, stored);
    });

    it('refuses a malformed entry with INVALID_ARGUMENT naming the field, storing nothing', async () => {
      const { planner, demand } = setup();
      assert.equal(
        await failure(planner.setDemand([{ model: A, qps: -1 }], false)),
        `INVALID_ARGUMENT: demands[0].qps: must be a finite number ≥ 0 for ${A}, got -1`,
      );
      assert.deepEqual(demand.stored, []);
    });
  });
});
