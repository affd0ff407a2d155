import type { Command } from 'commander';
import { createClient, unaryCall } from '@hera/grpc';
import {
  loadProtos,
  type Plan__Output,
  type PlacementServiceClient,
  type PredictorCheck__Output,
  type StrategyResult__Output,
} from '@hera/proto';
import { DEFAULT_DATA_DIR } from '../cluster-file';
import { serviceAddress } from '../gateway-target';
import { formatBytes, table } from '../table';

interface Common {
  placement?: string;
  dataDir: string;
  json: boolean;
}

function client(o: Common): PlacementServiceClient {
  return createClient(
    loadProtos().proto.hera.placement.v1.PlacementService,
    serviceAddress('placement', o.placement, o.dataDir),
    { defaultDeadlineMs: 60_000 },
  );
}

async function withClient<T>(o: Common, fn: (c: PlacementServiceClient) => Promise<T>): Promise<T> {
  const c = client(o);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

function out(o: Common, data: unknown, text: () => string): void {
  process.stdout.write(o.json ? `${JSON.stringify(data, null, 2)}\n` : text());
}

export function renderPlan(p: Plan__Output): string {
  const head =
    `plan v${p.version} for node class ${p.nodeClass}: ${p.serversNeeded} servers needed (solver ${p.solver}), mean EMU ${p.meanEmu.toFixed(3)}, made ${new Date(Number(p.createdAtMs)).toISOString()}\n` +
    `demand: ${p.demands.map(d => `${d.model} ${d.qps.toFixed(1)} qps`).join(', ')}\n\n`;
  const rows = p.nodes.map(n => [
    n.nodeId || '(no node)',
    n.config,
    n.tenants
      .map(
        t =>
          `${t.model}×${t.workers} cpus ${t.cpuset.join(',') || 'any'}${Number(t.memoryLimitBytes) ? ` mem ${formatBytes(Number(t.memoryLimitBytes))}` : ''}`,
      )
      .join('; ') || '-',
    n.emu.toFixed(3),
    [n.basis || (n.predicted ? 'predicted' : 'solo profile'), n.overcommitted ? 'OVERCOMMITTED (not enough nodes)' : '']
      .filter(Boolean)
      .join(', '),
  ]);
  return `${head}${table(['node', 'configuration', 'tenants', 'EMU', 'notes'], rows)}\n`;
}

function renderStrategies(s: StrategyResult__Output[]): string {
  const dedicated = s.find(x => x.strategy === 'dedicated')?.servers ?? 0;
  return `${table(
    ['strategy', 'servers', 'vs dedicated', 'mean EMU', 'solve ms', 'solver'],
    s.map(x => [
      x.strategy,
      x.servers,
      dedicated ? `${(((dedicated - x.servers) / dedicated) * 100).toFixed(1)}% fewer` : '-',
      x.meanEmu.toFixed(3),
      x.solveMs.toFixed(1),
      x.solver,
    ]),
  )}\n`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The predictor against the measured pairs, as `hera plan explain` prints it. */
export function renderPredictorCheck(c: PredictorCheck__Output | null | undefined): string {
  if (!c || !c.splits)
    return 'predictor check: no pair has been measured on this node class (hera profile --pairs); every co-located figure is a prediction\n';
  const rows = c.rows.map(r => [
    `${r.modelA}:${r.workersA}+${r.modelB}:${r.workersB}`,
    `${r.predictedQpsA.toFixed(1)} / ${r.measuredQpsA.toFixed(1)}`,
    `${r.predictedQpsB.toFixed(1)} / ${r.measuredQpsB.toFixed(1)}`,
    `${r.predictedEmu.toFixed(3)} / ${r.measuredEmu.toFixed(3)}`,
  ]);
  return (
    `predictor check against ${c.splits} measured split(s): per-tenant QPS error mean ${pct(c.qpsErrorMean)}, worst ${pct(c.qpsErrorMax)}; EMU error mean ${pct(c.emuErrorMean)}, worst ${pct(c.emuErrorMax)}\n` +
    `${table(['split', 'A qps predicted / measured', 'B qps predicted / measured', 'EMU predicted / measured'], rows)}\n`
  );
}

const common = (cmd: Command) =>
  cmd
    .option('--placement <host:port>', 'placement address (default: $HERA_PLACEMENT, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON', false);

export function register(program: Command): void {
  const plan = program.command('plan').description('show, dry-run, apply and explain placement plans; set the demand');

  common(plan.command('show').description('the applied plan: which tenants run on which node')).action((o: Common) =>
    withClient(o, async c => {
      const { plan: p } = await unaryCall(c, 'GetPlan', {});
      out(o, p, () => renderPlan(p!));
    }),
  );

  common(
    plan
      .command('dry-run')
      .description('compute a plan for the current demand without applying it, with every baseline'),
  )
    .option('--node-class <class>', 'plan for this node class')
    .action((o: Common & { nodeClass?: string }) =>
      withClient(o, async c => {
        const r = await unaryCall(c, 'Plan', { nodeClass: o.nodeClass ?? '' });
        out(o, r, () => `${renderPlan(r.plan!)}\n${renderStrategies(r.strategies)}`);
      }),
    );

  common(plan.command('apply').description('compute and apply a plan (a new version only when the placement changes)'))
    .option('--expected-version <v>', 'apply only if the current version is this', Number)
    .action((o: Common & { expectedVersion?: number }) =>
      withClient(o, async c => {
        const r = await unaryCall(c, 'Apply', { expectedVersion: o.expectedVersion ?? 0 });
        out(o, r, () => `${r.changed ? 'applied' : 'unchanged:'} plan v${r.plan!.version}\n\n${renderPlan(r.plan!)}`);
      }),
    );

  common(
    plan
      .command('explain')
      .description('why each configuration: its EMU, measured or predicted, and the alternatives it beat'),
  )
    .option('--dry-run', 'explain a plan for the current demand instead of the applied one', false)
    .action((o: Common & { dryRun: boolean }) =>
      withClient(o, async c => {
        const r = await unaryCall(c, 'Explain', { dryRun: o.dryRun });
        out(o, r, () => {
          const parts = r.configs.map(
            x =>
              `${x.config}  ×${x.count}  EMU ${x.emu.toFixed(3)}  [${x.basis || (x.predicted ? 'predicted' : 'solo profile')}]\n` +
              `  ${x.reason}\n` +
              (x.countReason ? `  ${x.countReason}\n` : '') +
              x.tenants
                .map(
                  t =>
                    `  - ${t.model} (${t.kind}, ${t.profileSource || 'unknown'} profile): ${t.workers} workers, ${t.qps.toFixed(1)} of ${t.qpsMax.toFixed(1)} qps max`,
                )
                .join('\n') +
              (x.alternatives.length
                ? `\n  beat:\n${x.alternatives.map(a => `    ${a.config} EMU ${a.emu.toFixed(3)}: ${a.whyNot}`).join('\n')}`
                : ''),
          );
          return `${parts.join('\n\n')}\n\n${renderStrategies(r.strategies)}\n${renderPredictorCheck(r.predictor)}`;
        });
      }),
    );

  common(
    plan
      .command('demand')
      .description(
        'show the demand, or set it: hera plan demand ncf=500 rmc1=120 (QPS) or --units ncf=0.5 (dedicated servers)',
      ),
  )
    .argument('[entries...]', 'model=value pairs')
    .option('--units', 'values are dedicated-server units, not QPS', false)
    .option('--replace', 'the given entries become the whole demand', false)
    .action((entries: string[], o: Common & { units: boolean; replace: boolean }) =>
      withClient(o, async c => {
        let demands;
        if (entries.length) {
          const parsed = entries.map(e => {
            const m = /^([^=]+)=([0-9.eE+-]+)$/.exec(e);
            if (!m) throw new Error(`expected model=value, got ${JSON.stringify(e)}`);
            return o.units
              ? { model: m[1]!, qps: 0, dedicatedUnits: Number(m[2]) }
              : { model: m[1]!, qps: Number(m[2]) };
          });
          demands = (await unaryCall(c, 'SetDemand', { demands: parsed, replace: o.replace })).demands;
        } else {
          demands = (await unaryCall(c, 'GetDemand', {})).demands;
        }
        out(
          o,
          demands,
          () =>
            `${table(
              ['model', 'qps'],
              demands.map(d => [d.model, d.qps.toFixed(2)]),
            )}\n`,
        );
      }),
    );
}
