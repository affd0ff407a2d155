// The embedding bag alone (issue 19): per zoo model, GB/s of table rows read by each variant of the
// WebAssembly SIMD kernel (libs/models/src/wasm-bag.ts) side by side in the same run, beside
// PyTorch's EmbeddingBag on the same shapes where /usr/bin/python3 (or --python) imports torch.
// Tables are built and loaded as the engine loads them (buildRepository + loadTables: one shared,
// page-aligned WebAssembly.Memory per table, every page touched), scaled to --table-gb per model.
//
//   npm run bench -- embedding-bag [--models rmc1,rmc2] [--table-gb 0.5] [--batch 256] [--rounds 3]
//                                  [--variants plain,p8,p16,p32] [--python ""] [--no-pytorch]
//
// Variants: `plain` is the kernel without early loads (the one before this bench), `default` the one
// the engine uses now, `pN` early-loads every 64-byte line of the row N lookups ahead, `pNf` only
// its first line, `gN` / `gNf` a touch pass over the next N ids every N ids (a final `l`: ids in and
// pooled rows out with the old element loops instead of the unrolled ones). Every variant is first checked equal to embeddingBagReference on one batch.
// A pass runs --batches-worth of fresh random batches (~200 MB of rows), best of 2 passes; each
// round runs every variant once then PyTorch, so bursts of other work on this shared machine hit
// all sides; a figure is the median over rounds, a ratio the median of the rounds' ratios.
// One JSON line last.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isZooModel, modelCost, randomBatch, ZOO_SPECS, type ZooModelName } from '@hera/model-schema';
import {
  bagTables,
  bagLayout,
  buildRepository,
  DEFAULT_VARIANT,
  embeddingBag,
  embeddingBagReference,
  loadTables,
  PLAIN_VARIANT,
  readModelConfig,
  releaseBagLayout,
  type BagKernelVariant,
  type BagLayout,
} from '@hera/models';
import { args } from './harness';
import { median, peerSpec } from './engine-peer';
import { findTorch, startPytorchPeer, type PytorchPeer } from './pytorch-peer';

function options() {
  const o = args(
    {
      models: 'rmc1,rmc2,rmc3,wnd,din',
      'table-gb': '0.5',
      batch: '256',
      rounds: '3',
      variants: 'plain,default',
      python: '',
    },
    {
      'table-gb': 'GB of tables per model, at most (rows scaled as hera models build --scale does)',
      batch: 'items per embeddingBag call',
      rounds: 'each round runs every variant once, then PyTorch',
      variants:
        'plain | default | pN | pNf (early loads N lookups ahead) | gN | gNf (touch pass per N ids); f: first line only; a final l moves ids in and pooled rows out with the old element loops',
      python: '"" = the first of python3, /usr/bin/python3 that imports torch',
      'no-pytorch': 'skip PyTorch',
    },
    ['no-pytorch'],
  );
  const models = o.models!.split(',').filter(Boolean);
  for (const m of models) if (!isZooModel(m)) throw new Error(`unknown model ${m}`);
  const variants = o.variants!.split(',').filter(Boolean);
  variants.forEach(parseVariant);
  return {
    models: models as ZooModelName[],
    tableGb: Number(o['table-gb']),
    batch: Math.max(1, Math.round(Number(o.batch))),
    rounds: Math.max(1, Math.round(Number(o.rounds))),
    variants,
    python: o.python!,
    pytorch: o['no-pytorch'] !== 'true',
  };
}

function parseVariant(name: string): BagKernelVariant {
  if (name === 'plain') return PLAIN_VARIANT;
  if (name === 'default') return DEFAULT_VARIANT;
  const m = /^([pg])(\d+)(f?)(l?)$/.exec(name);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > (m[1] === 'p' ? 64 : 4096))
    throw new Error(
      `--variants: ${JSON.stringify(name)} is not plain, default, pN, pNf (1 ≤ N ≤ 64), gN or gNf (1 ≤ N ≤ 4096)`,
    );
  const lines = m[3] ? 'first' : 'all';
  const copy = m[4] ? 'loop' : 'unrolled';
  return m[1] === 'p' ? { prefetch: Number(m[2]), lines, copy } : { prefetch: 0, lines, group: Number(m[2]), copy };
}

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const f = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

interface ModelFigures {
  model: ZooModelName;
  tableBytes: number;
  /** Per variant: GB/s per round. */
  gbs: Record<string, number[]>;
  pytorch?: number[];
}

async function runModel(
  model: ZooModelName,
  o: ReturnType<typeof options>,
  python: string | undefined,
  work: string,
): Promise<ModelFigures> {
  const spec = ZOO_SPECS[model];
  const scale = Math.min(1, (o.tableGb * 1e9) / modelCost(spec, 1).tableBytes);
  const repo = join(work, 'repo');
  const t = now();
  await buildRepository({ repo, scale, only: [model], seed: 1 });
  const tables = await loadTables(repo, model);
  const config = await readModelConfig(repo, model);
  console.log(
    `\n== ${model}: scale ${f(scale, 4)}, ${config.tables.length} tables, ${f(tables.bytes / 1e9, 3)} GB (built and loaded in ${f((now() - t) / 1000, 1)} s)`,
  );
  const tablesForBag = bagTables(config, tables);
  const layouts = new Map<string, BagLayout>(
    o.variants.map(v => [v, bagLayout(tablesForBag, { variant: parseVariant(v) })]),
  );
  const count = o.batch;
  const perItem = modelCost(spec, scale).embeddingBytesPerItem;
  const nb = Math.max(2, Math.min(64, Math.ceil(2e8 / (count * perItem))));
  const batches = Array.from({ length: nb }, (_, i) => randomBatch(config, count, 90_000 + i).ids);
  const out = new Float32Array(count * layouts.values().next().value!.width);
  let peer: PytorchPeer | undefined;
  const figures: ModelFigures = { model, tableBytes: tables.bytes, gbs: {} };
  try {
    for (const [v, layout] of layouts) {
      if (!layout.simd.every(k => k !== undefined))
        throw new Error(`${model}: variant ${v} did not get the SIMD kernel on every table`);
      embeddingBag(layout, count, batches[0]!, out);
      const want = embeddingBagReference(layout, count, batches[0]!);
      if (!out.every((x, i) => x === want[i]))
        throw new Error(`${model}: variant ${v} differs from embeddingBagReference`);
    }
    if (python) {
      const specPath = join(work, `pytorch-${model}.json`);
      writeFileSync(specPath, JSON.stringify(peerSpec(spec, scale)));
      peer = await startPytorchPeer(python, specPath);
      if (peer.ready.tableBytes !== tables.bytes)
        throw new Error(
          `PyTorch built ${peer.ready.tableBytes} bytes of tables for ${model}, we loaded ${tables.bytes}`,
        );
      figures.pytorch = [];
    }
    const pass = (layout: BagLayout) => {
      let best = Infinity;
      for (let rep = 0; rep < 2; rep++) {
        const t0 = now();
        for (const ids of batches) embeddingBag(layout, count, ids, out);
        best = Math.min(best, now() - t0);
      }
      return (nb * count * perItem) / best / 1e6;
    };
    for (const layout of layouts.values()) pass(layout); // warm-up (tier-up), not counted
    console.log(`  ${nb} batches of ${count} per pass, ${f(perItem / 1024, 1)} KiB of rows per item; GB/s per round:`);
    for (let round = 1; round <= o.rounds; round++) {
      const line: string[] = [];
      for (const [v, layout] of layouts) {
        const g = pass(layout);
        (figures.gbs[v] ??= []).push(g);
        line.push(`${v} ${f(g, 3)}`);
      }
      if (peer) {
        const g = await peer.bag(count, nb, 2);
        figures.pytorch!.push(g);
        line.push(`pytorch ${f(g, 3)}`);
      }
      console.log(`  round ${round}/${o.rounds}: ${line.join(', ')}`);
    }
    const base = figures.gbs[o.variants[0]!]!;
    const summary = o.variants.map(v => {
      const g = figures.gbs[v]!;
      const vsBase = median(g.map((x, i) => x / base[i]!));
      const vsTorch = figures.pytorch ? median(g.map((x, i) => x / figures.pytorch![i]!)) : undefined;
      return `${v} ${f(median(g), 3)} GB/s (×${f(vsBase)} of ${o.variants[0]}${vsTorch !== undefined ? `, ${f(vsTorch)} of PyTorch` : ''})`;
    });
    if (figures.pytorch) summary.push(`PyTorch ${f(median(figures.pytorch), 3)} GB/s`);
    console.log(`  median: ${summary.join('; ')}`);
  } finally {
    await peer?.close();
    layouts.forEach(releaseBagLayout);
    rmSync(repo, { recursive: true, force: true });
  }
  return figures;
}

async function main() {
  const o = options();
  let python: string | undefined;
  let pytorch: object;
  if (o.pytorch) {
    const r = findTorch(o.python);
    if ('reason' in r) pytorch = { skipped: r.reason };
    else {
      python = r.python;
      pytorch = { torch: r.version, python: r.python };
    }
  } else pytorch = { skipped: '--no-pytorch' };
  console.log(
    `embedding bag, batches of ${o.batch}, tables ≤ ${o.tableGb} GB per model; variants ${o.variants.join(', ')} (the first is the base of ratios); PyTorch: ${JSON.stringify(pytorch)}`,
  );
  const work = mkdtempSync(join(tmpdir(), 'hera-bag-'));
  const results: ModelFigures[] = [];
  try {
    for (const m of o.models) results.push(await runModel(m, o, python, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'embedding-bag',
      date: new Date().toISOString(),
      batch: o.batch,
      table_gb: o.tableGb,
      rounds: o.rounds,
      variants: o.variants,
      pytorch,
      models: Object.fromEntries(
        results.map(r => [
          r.model,
          {
            table_bytes: r.tableBytes,
            gbs: Object.fromEntries(Object.entries(r.gbs).map(([v, g]) => [v, r3(median(g))])),
            gbs_rounds: Object.fromEntries(Object.entries(r.gbs).map(([v, g]) => [v, g.map(r3)])),
            vs_first: Object.fromEntries(
              Object.entries(r.gbs).map(([v, g]) => [v, r3(median(g.map((x, i) => x / r.gbs[o.variants[0]!]![i]!)))]),
            ),
            pytorch_gbs: r.pytorch ? r3(median(r.pytorch)) : undefined,
            vs_pytorch: r.pytorch
              ? Object.fromEntries(
                  Object.entries(r.gbs).map(([v, g]) => [v, r3(median(g.map((x, i) => x / r.pytorch![i]!)))]),
                )
              : undefined,
          },
        ]),
      ),
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
