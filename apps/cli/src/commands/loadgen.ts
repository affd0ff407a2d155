import type { Command } from 'commander';
import { gatewayTarget, PayloadPool, runLoad, workerTarget, type LoadProgress } from '@hera/loadgen';
import { DEFAULT_DATA_DIR } from '../cluster-file';
import { gatewayAddress, modelInfo, rankingClient } from '../gateway-target';

interface LoadgenOptions {
  model: string;
  rate: number;
  duration: number;
  warmup: number;
  seed: number;
  items?: number;
  arrivals: 'poisson' | 'poisson-ms';
  timeout?: number;
  worker?: string;
  subBatch?: number;
  gateway?: string;
  dataDir: string;
  json: boolean;
}

function progressLine(p: LoadProgress, slaMs: number): string {
  const errs =
    Object.entries(p.errors)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || 'none';
  const mark = p.p95Ms <= slaMs ? 'ok' : 'OVER SLA';
  return (
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s  offered ${p.offeredQps.toFixed(1)} qps  served ${p.servedQps.toFixed(1)} qps  ` +
    `p50 ${p.p50Ms.toFixed(1)}  p95 ${p.p95Ms.toFixed(1)}  p99 ${p.p99Ms.toFixed(1)} ms (SLA ${slaMs} ms: ${mark})  in flight ${p.inFlight}  errors ${errs}`
  );
}

export function register(program: Command): void {
  program
    .command('loadgen')
    .description(
      'open-loop load (Poisson arrivals, lognormal query sizes; DESIGN §4.1) against the gateway or one worker',
    )
    .requiredOption('--model <name>', 'model to query')
    .requiredOption('--rate <qps>', 'offered queries per second', Number)
    .option('--duration <s>', 'measured seconds', Number, 10)
    .option('--warmup <s>', 'seconds sent first and not measured', Number, 2)
    .option('--seed <n>', 'seed of arrivals, sizes and payloads', Number, 1)
    .option('--items <k>', 'fixed items per query instead of the lognormal sizes', Number)
    .option('--arrivals <kind>', 'poisson (exponential gaps) or poisson-ms (DeepRecSys: Poisson ms gaps)', 'poisson')
    .option('--timeout <ms>', 'per-query deadline (default: 2 × the model SLA)', Number)
    .option(
      '--worker <host:port>',
      'send straight to this worker endpoint, splitting queries client-side (over InferStream to a tenant host, as the gateway does; unary Infer to a node agent)',
    )
    .option('--sub-batch <n>', 'sub-batch size with --worker (default: the model default)', Number)
    .option('--gateway <host:port>', 'gateway address (default: $HERA_GATEWAY, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--json', 'print only the JSON summary', false)
    .action(async (o: LoadgenOptions) => {
      if (!(o.rate > 0)) throw new Error('--rate must be > 0');
      if (o.arrivals !== 'poisson' && o.arrivals !== 'poisson-ms')
        throw new Error('--arrivals must be poisson or poisson-ms');
      const gw = rankingClient(gatewayAddress(o));
      const m = await modelInfo(gw, o.model).finally(() => gw.close());
      const pool = new PayloadPool(m, o.items ?? 1024, o.seed);
      const target = o.worker
        ? workerTarget(o.worker, o.model, pool, o.subBatch ?? m.subBatchSize)
        : gatewayTarget(gatewayAddress(o), o.model, pool);
      const tty = process.stderr.isTTY;
      try {
        const summary = await runLoad(target.send, {
          rate: o.rate,
          seed: o.seed,
          arrivals: o.arrivals,
          durationMs: o.duration * 1000,
          warmupMs: o.warmup * 1000,
          timeoutMs: o.timeout ?? 2 * m.slaMs,
          slaMs: m.slaMs,
          ...(o.items ? { fixedItems: o.items } : {}),
          onProgress: o.json
            ? undefined
            : p => process.stderr.write(tty ? `\r\x1b[2K${progressLine(p, m.slaMs)}` : `${progressLine(p, m.slaMs)}\n`),
        });
        if (!o.json && tty) process.stderr.write('\n');
        process.stdout.write(
          `${JSON.stringify({ model: o.model, target: o.worker ?? gatewayAddress(o), ...summary })}\n`,
        );
        if (!summary.meetsSla) process.exitCode = 3;
      } finally {
        target.close();
      }
    });
}
