// Registers the models of the repository in Redis (the records placement plans by and the
// gateway validates requests against), as `hera up` does before it plans. Run by
// cluster-init.sh with NODE_PATH=/app/node_modules, so the workspace packages resolve.
'use strict';
const { toModelRecord } = require('@hera/model-schema');
const { listRepository, readModelConfig } = require('@hera/models');
const { connectRedis, Keyspace, ModelStore } = require('@hera/state');

async function main() {
  const repo = process.env.HERA_MODEL_REPO;
  const only = (process.env.HERA_INIT_MODELS || '').split(',').filter(Boolean);
  const names = (await listRepository(repo)).map(e => e.name).filter(n => only.length === 0 || only.includes(n));
  const configs = await Promise.all(names.map(n => readModelConfig(repo, n)));
  const redis = await connectRedis(process.env.REDIS_URL, { name: 'hera-init', offlineQueue: true });
  try {
    await new ModelStore(redis, new Keyspace(process.env.HERA_REDIS_PREFIX || 'hera')).put(
      ...configs.map(c => toModelRecord(c)),
    );
  } finally {
    redis.disconnect();
  }
  process.stdout.write(`registered ${names.join(', ')}\n`);
}

main().catch(err => {
  process.stderr.write(`cannot register models: ${err.message}\n`);
  process.exit(1);
});
