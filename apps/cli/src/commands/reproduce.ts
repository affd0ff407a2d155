import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { serviceAddress } from '../gateway-target';
import { PAPER, reproduce, type ReproduceOptions, type ReproductionReport } from '../reproduce';
import { table } from '../table';
import { renderPredictorCheck } from './plan';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderReproduction(r: ReproductionReport): string {
  const out: string[] = [];
  out.push(
    `Hera reproduced on node class ${r.nodeClass} (${r.nodes} node(s) × ${r.cores} cores), models ${r.models.join(', ')}, SLA × ${r.slaFactor}, profiles measured ${r.via === 'gateway' ? 'through the gateway' : 'straight to the hosts'}`,
    '',
  );
  out.push(
    'solo profiles (measured):',
    table(
      ['model', 'kind', 'knee', 'QPSmax', ''],
      r.solo.map(s => [s.model, s.kind, s.knee, s.qpsMax.toFixed(1), s.how]),
    ),
    '',
  );
  for (const f of [...r.soloFailures, ...r.pairFailures]) out.push(`not measured: ${f}`);
  out.push(`pairs measured co-located: ${r.pairsMeasured}`, renderPredictorCheck(r.predictor));
  const dedicated = r.strategies.find(s => s.strategy === 'dedicated');
  out.push(`servers for a uniform mix worth ${r.demandUnits} dedicated servers, on these measured profiles:`);
  out.push(
    table(
      ['strategy', 'servers', 'saved vs dedicated', 'mean EMU', 'EMU gain vs dedicated', 'solver'],
      [
        ...r.strategies.map(s => [
          s.strategy,
          s.servers,
          dedicated ? pct(1 - s.servers / dedicated.servers) : '-',
          s.meanEmu.toFixed(3),
          dedicated ? (s.meanEmu / dedicated.meanEmu).toFixed(3) : '-',
          s.solver,
        ]),
        ['paper (Hera)', '', pct(PAPER.serversSaved), '', PAPER.emuGain.toFixed(3), ''],
      ],
    ),
    '',
  );
  out.push(
    'Hera configurations:',
    ...r.heraConfigs.map(c => `  ${c.config} ×${c.count} EMU ${c.emu.toFixed(3)} [${c.basis}]\n    ${c.countReason}`),
    '',
  );
  out.push(
    'live check (each configuration pinned on every node, every model at its planned rate through the gateway; * = a measured pair not in the plan):',
  );
  const rows = r.live.flatMap(round =>
    round.nodes.flatMap(n =>
      n.tenants.map((t, i) => [
        i === 0 ? `${n.nodeId} ${n.config}${round.why === 'measured-pair' ? ' *' : ''}` : '',
        i === 0 ? `${n.planEmu.toFixed(3)} / ${n.measuredEmu.toFixed(3)}` : '',
        t.model,
        t.plannedQps.toFixed(1),
        t.withinSlaQps.toFixed(1),
        pct(t.attainment),
        `${t.p95Ms.toFixed(1)} / ${t.slaMs}`,
        `${t.hostQps.toFixed(1)} / ${t.hostP95Ms.toFixed(1)}`,
        Object.entries(t.errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '-',
      ]),
    ),
  );
  out.push(
    table(
      [
        'node, config',
        'EMU plan / live',
        'model',
        'planned qps',
        'within SLA qps',
        'attainment',
        'p95 / SLA ms',
        'host qps / p95',
        'errors',
      ],
      rows,
    ),
  );
  const s = r.summary;
  out.push('');
  out.push(
    `SLA attainment of the plan's co-located tenants at their planned rates: ${s.coLocatedAttainment ? `min ${pct(s.coLocatedAttainment.min)}, mean ${pct(s.coLocatedAttainment.mean)}` : 'the plan co-locates nothing'}`,
  );
  if (s.measuredPairAttainment)
    out.push(
      `SLA attainment of measured pairs the plan does not use, at their measured rates: min ${pct(s.measuredPairAttainment.min)}, mean ${pct(s.measuredPairAttainment.mean)}`,
    );
  if (s.allAttainment)
    out.push(
      `SLA attainment of every tenant checked (dedicated ones included): min ${pct(s.allAttainment.min)}, mean ${pct(s.allAttainment.mean)}`,
    );
  if (s.planVsLiveEmuError)
    out.push(
      `plan EMU vs live EMU: mean error ${pct(s.planVsLiveEmuError.mean)}, worst ${pct(s.planVsLiveEmuError.max)}`,
    );
  out.push(
    `Hera vs dedicated on the measured profiles: EMU gain ${s.emuGainVsDedicated.toFixed(3)}, servers saved ${pct(s.serversSavedVsDedicated)} (paper: ${PAPER.emuGain}, ${pct(PAPER.serversSaved)})`,
  );
  if (r.cores <= 2) {
    out.push(
      `on ${r.cores} cores nothing saturates memory bandwidth (DESIGN §7): gains here come from how the measured curves bend on this node, not from memory-bound/compute-bound complementarity; run the same command on a many-core node for that.`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Commander's view of the flags: the numeric and boolean ones are ReproduceOptions' own. */
type ReproduceCliOptions = Pick<
  ReproduceOptions,
  | 'slaFactor'
  | 'quick'
  | 'reprofile'
  | 'pairs'
  | 'controls'
  | 'splitsPerPair'
  | 'units'
  | 'seconds'
  | 'maxConfigs'
  | 'pairChecks'
> & {
  models?: string;
  via: string;
  warmup: number;
  json?: string;
  dataDir: string;
  redisUrl?: string;
  prefix?: string;
  profiler?: string;
  placement?: string;
  gateway?: string;
};

const num = (flag: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: expected a number ≥ ${min}, got ${v}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('reproduce')
    .description(
      "check Hera end to end on a running cluster: profile models alone and in pairs, compare Hera with the baselines on those profiles, then drive each of Hera's configurations at its planned rates through the gateway and report SLA attainment and live EMU beside the plan's",
    )
    .option('--models <list>', 'models to use (default: every registered model)')
    .option('--sla-factor <f>', "judge against each model's SLA × f (profiles included)", num('--sla-factor', 0.01), 1)
    .option(
      '--via <path>',
      'profile through the gateway (the path the live check drives; needs a cluster without an applied plan) or straight to the hosts (worker)',
      'gateway',
    )
    .option('--quick', 'quick profiler jobs (short points, coarser precision)', false)
    .option('--reprofile', 'measure solo profiles again even where one at this SLA is stored', false)
    .option('--no-pairs', 'do not measure pairs; use the pair profiles already stored')
    .option(
      '--controls <n>',
      'same-class control pairs to measure besides every memory-bound × compute-bound pair',
      num('--controls', 0),
      2,
    )
    .option('--splits-per-pair <n>', 'splits per pair, highest predicted EMU first', num('--splits-per-pair', 1), 3)
    .option(
      '--units <n>',
      'strategy comparison: a uniform mix worth this many dedicated servers',
      num('--units', 1),
      100,
    )
    .option('--seconds <s>', 'measured seconds of live load per configuration', num('--seconds', 1), 60)
    .option(
      '--warmup <s>',
      'seconds of live load before the measured ones (a fresh host is slow for its first 5-20 s)',
      num('--warmup', 0),
      20,
    )
    .option(
      '--max-configs <n>',
      "distinct configurations of Hera's plan to check live, pairs first",
      num('--max-configs', 1),
      4,
    )
    .option(
      '--pair-checks <n>',
      'measured pairs the plan does not use to check live as well, highest measured EMU first',
      num('--pair-checks', 0),
      1,
    )
    .option('--json <file>', 'also write the whole report as JSON')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--redis-url <url>', 'the cluster Redis (default: $REDIS_URL, else the running `hera up`)')
    .option('--prefix <prefix>', 'Redis key prefix (default: $HERA_REDIS_PREFIX, else that of `hera up`)')
    .option('--profiler <host:port>', 'profiler address')
    .option('--placement <host:port>', 'placement address')
    .option('--gateway <host:port>', 'gateway address')
    .addHelpText(
      'after',
      `
It re-plans the cluster (each configuration in turn) and restores the demand it found at the
end: run it on a cluster you may disturb. On a 2-core machine nothing saturates memory
bandwidth, so expect a gain near 1.0 there; the point is that every prediction is checked.

Example (the local cluster of \`hera up --no-plan\`, at 4 × the zoo's SLAs):
  hera reproduce --models rmc1,rmc2,din,wnd --sla-factor 4 --quick --controls 4`,
    )
    .action(async (o: ReproduceCliOptions) => {
      const target = resolveTarget({ dataDir: o.dataDir, ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}) });
      const report = await reproduce({
        profiler: serviceAddress('profiler', o.profiler, o.dataDir),
        placement: serviceAddress('placement', o.placement, o.dataDir),
        gateway: serviceAddress('gateway', o.gateway, o.dataDir),
        redisUrl: target.redisUrl,
        prefix: o.prefix ?? process.env['HERA_REDIS_PREFIX'] ?? target.prefix,
        models: (o.models ?? '')
          .split(',')
          .map(s => s.trim())
          .filter(Boolean),
        slaFactor: o.slaFactor,
        via:
          o.via === 'worker'
            ? 'worker'
            : o.via === 'gateway'
              ? 'gateway'
              : (() => {
                  throw new Error(`--via: gateway or worker, got ${o.via}`);
                })(),
        quick: o.quick,
        reprofile: o.reprofile,
        pairs: o.pairs,
        controls: o.controls,
        splitsPerPair: o.splitsPerPair,
        units: o.units,
        seconds: o.seconds,
        warmupSeconds: o.warmup,
        maxConfigs: o.maxConfigs,
        pairChecks: o.pairChecks,
        say: line => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(renderReproduction(report));
      if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    });
}
