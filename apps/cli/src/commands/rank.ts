import type { Command } from 'commander';
import { unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch } from '@hera/loadgen';
import { Rng } from '@hera/stats';
import { DEFAULT_DATA_DIR } from '../cluster-file';
import { gatewayAddress, modelInfo, rankingClient } from '../gateway-target';
import { table } from '../table';

export function register(program: Command): void {
  program
    .command('rank')
    .description('send one ranking query with random candidate items and print the top-k')
    .requiredOption('--model <name>', 'model to query, e.g. ncf')
    .option('--items <k>', 'candidate items in the query', v => Number(v), 164)
    .option('--top <k>', 'best items to print', v => Number(v), 10)
    .option('--seed <n>', 'seed of the random items', v => Number(v), 1)
    .option('--version <v>', 'model version to query (one its version policy serves; default: the newest)')
    .option('--timeout <ms>', 'query time budget (0 = the model SLA)', v => Number(v), 0)
    .option('--gateway <host:port>', 'gateway address (default: $HERA_GATEWAY, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--json', 'print the whole reply as JSON', false)
    .action(
      async (o: {
        model: string;
        items: number;
        top: number;
        seed: number;
        version?: string;
        timeout: number;
        gateway?: string;
        dataDir: string;
        json: boolean;
      }) => {
        const address = gatewayAddress(o);
        const client = rankingClient(address);
        try {
          const m = await modelInfo(client, o.model);
          const items = randomItems(m, o.items, new Rng(o.seed));
          const res = await unaryCall(client, 'Rank', {
            model: o.model,
            version: o.version ?? '',
            items: toItemBatch(items, m),
            topK: o.top,
            timeoutMs: o.timeout,
          });
          const scores = new Float32Array(res.scores.byteLength / 4);
          new Uint8Array(scores.buffer).set(res.scores);
          if (o.json) {
            process.stdout.write(`${JSON.stringify({ ...res, scores: Array.from(scores) }, null, 2)}\n`);
            return;
          }
          const t = res.timing!;
          process.stdout.write(
            `${res.model} v${res.version}: ${scores.length} items in ${(Number(t.totalUs) / 1000).toFixed(2)} ms ` +
              `(${t.subBatches} sub-batches, worst queue ${(Number(t.queueUs) / 1000).toFixed(2)} ms, worst inference ${(Number(t.inferenceUs) / 1000).toFixed(2)} ms) via ${address}\n\n`,
          );
          process.stdout.write(
            `${table(
              ['rank', 'item', 'score'],
              res.topIndices.map((idx, i) => [i + 1, idx, res.topScores[i]!.toFixed(6)]),
            )}\n`,
          );
        } finally {
          client.close();
        }
      },
    );
}
