#!/usr/bin/env node
import { telemetry } from './instrument';
import { resolve } from 'node:path';
import { createCgroupManager, detectCgroups, detectResctrl } from '@hera/cgroups';
import { toModelRecord } from '@hera/model-schema';
import { advertisedAddress, runService } from '@hera/runtime';
import { openQueue } from '@hera/queues';
import { connectRedis, Heartbeat, ModelStore, NodeStore, ProfileStore, type NodeRecord } from '@hera/state';
import { loadConfig } from './config';
import { NodeAgent } from './node-agent';
import { NodeManager, type ProfileHint } from './node-manager';
import { nodeMetricsSource, registerNodeMetrics } from './node-metrics';
import { PlanWatcher } from './plan-watcher';
import { workerService } from './server';
import { SlaWatch } from './sla-watch';
import { clusterId, defaultStateDir, StateDir } from './state-dir';

void runService({
  name: 'worker',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, address, metrics }) => {
    const detection = detectCgroups();
    if (detection.mode === 'none') {
      log.warn(
        { reason: detection.reason },
        'NO CGROUPS: tenants will run without CPU or memory limits and will interfere with each other; status reports cgroup: none',
      );
    } else {
      log.info({ mode: detection.mode, reason: detection.reason }, 'cgroups detected');
    }
    const cgroups = createCgroupManager(config.NODE_CGROUP ?? `hera-${config.NODE_ID}`, detection);
    // Cache ways and memory bandwidth: detected and reported; not split (see README "Node manager").
    const resctrl = detectResctrl();
    const nodeClass = config.NODE_CLASS ?? `${config.NODE_CORES}c`;
    const managerOn = config.NODE_MANAGER === 'on' && cgroups.mode !== 'none';
    // Tenant hosts outlive this process; their descriptors here let the next agent adopt them.
    const stateDir = new StateDir(
      resolve(config.NODE_STATE_DIR ?? defaultStateDir(config.HERA_REDIS_PREFIX, config.NODE_ID)),
    );
    stateDir.claim();
    const models = new ModelStore(redis, keys);
    const nodes = new NodeStore(redis, keys);
    const startedAtMs = Date.now();
    const agent: NodeAgent = new NodeAgent({
      nodeId: config.NODE_ID,
      cores: config.NODE_CORES,
      memoryBytes: config.NODE_MEMORY_BYTES,
      slaFactor: config.NODE_SLA_FACTOR,
      repo: resolve(config.HERA_MODEL_REPO),
      bindHost: config.GRPC_HOST,
      advertise: port => advertisedAddress(config.GRPC_HOST, port, config.ADVERTISE_HOST),
      cgroups,
      queueLimit: config.TENANT_QUEUE_LIMIT,
      queueBytes: config.TENANT_QUEUE_BYTES,
      warmupMs: config.TENANT_WARMUP_MS,
      shedPredictedLate: config.SHED_PREDICTED_LATE === 'on',
      statsWindowMs: config.STATS_WINDOW_MS,
      statsIntervalMs: config.STATS_INTERVAL_MS,
      ...(managerOn
        ? { recentWindowMs: config.NODE_MANAGER_WINDOW_MS, standbyWorkers: config.NODE_MANAGER_STANDBY }
        : {}),
      ...(config.HERA_BACKEND ? { backend: config.HERA_BACKEND } : {}),
      stateDir,
      orphanMs: config.HOST_ORPHAN_MS,
      handoffMs: config.TENANT_HANDOFF_MS,
      cluster: clusterId(config.REDIS_URL, config.HERA_REDIS_PREFIX),
      log: log.child({ component: 'agent' }),
      // Tenant changes go to Redis at once and are announced: gateways route by them.
      onChange: () =>
        void heartbeat
          .beat()
          .then(() => nodes.announce(config.NODE_ID, 'changed'))
          .catch(err => log.warn({ err }, 'node record update failed')),
      // Registers a model served here only when nothing registered it (the registry's record wins).
      onModelReady: c => void models.add(toModelRecord(c)).catch(err => log.warn({ err }, 'cannot register model')),
      onPlanApplied: () => manager.planApplied(),
    });
    const node = (): NodeRecord => ({
      nodeId: config.NODE_ID,
      endpoint: address(),
      nodeClass,
      cores: config.NODE_CORES,
      memoryBytes: config.NODE_MEMORY_BYTES,
      cgroupMode: cgroups.mode,
      backend: agent.tenants().find(t => t.backend)?.backend ?? config.HERA_BACKEND ?? '',
      labels: config.NODE_LABELS,
      resctrl: resctrl.available,
      startedAtMs,
      heartbeatAtMs: Date.now(),
      tenants: agent.record(),
    });
    const heartbeat = new Heartbeat<NodeRecord>(redis, {
      key: keys.node(config.NODE_ID),
      indexKey: keys.nodes(),
      member: config.NODE_ID,
      intervalMs: config.HEARTBEAT_MS,
      value: node,
      onError: err => log.warn({ err }, 'node heartbeat failed'),
    });
    // Before the first node record and the plan: adopted hosts are advertised at once, and the
    // plan finds them running (the same allocation is no change, so no restart).
    const adoption = await agent.adopt();
    if (adoption.adopted.length || adoption.stale || adoption.retired) {
      log.info({ ...adoption, stateDir: stateDir.path }, 'took over the tenant hosts a previous agent left');
    }
    const graceMs = Math.floor(config.SHUTDOWN_GRACE_MS / 2);
    // Producer only: a plain connection that queues while reconnecting.
    const bull = await connectRedis(config.REDIS_URL, {
      name: 'worker-bull',
      offlineQueue: true,
      maxRetriesPerRequest: null,
      onError: err => log.warn({ err: err.message }, 'bullmq redis error'),
    });
    const replans = openQueue('replan', keys, bull);
    replans.on('error', err => log.warn({ err: err.message }, 'replan queue error'));
    const slaWatch = new SlaWatch(agent, replans, redis, keys, config.NODE_ID, log.child({ component: 'sla' }));
    const profiles = new ProfileStore(redis, keys);
    const manager: NodeManager = new NodeManager({
      node: agent,
      cores: config.NODE_CORES,
      memoryBytes: config.NODE_MEMORY_BYTES,
      enabled: managerOn,
      state: managerOn
        ? 'on'
        : config.NODE_MANAGER === 'off'
          ? 'off: NODE_MANAGER=off'
          : `off: no cgroups to enforce moves (${detection.reason})`,
      intervalMs: config.NODE_MANAGER_INTERVAL_MS,
      // The long window it falls back on for a quiet tenant is the hosts' status window.
      policy: { longWindowIntervals: Math.max(1, Math.ceil(config.STATS_WINDOW_MS / config.NODE_MANAGER_INTERVAL_MS)) },
      profile: async (model): Promise<ProfileHint | undefined> => {
        const p = await profiles.get(nodeClass, model);
        if (!p) return undefined;
        return {
          ...(p.kind === 'memory-bound' || p.kind === 'compute-bound' ? { kind: p.kind } : {}),
          ...(p.knee > 0 ? { knee: p.knee } : {}),
          ...(p.memoryPerWorkerBytes > 0 ? { memoryPerWorkerBytes: p.memoryPerWorkerBytes } : {}),
        };
      },
      needCapacity: (model, p95Ms, slaMs, why) => void slaWatch.requestCapacity(model, p95Ms, slaMs, why),
      resctrl: resctrl.reason,
      log: log.child({ component: 'node-manager' }),
      metrics,
    });
    const plans = new PlanWatcher(
      redis,
      keys,
      config.NODE_ID,
      tenants => agent.reconcile(tenants, graceMs),
      log.child({ component: 'plan' }),
    );
    registerNodeMetrics(metrics, cgroups, () => agent.tenants());
    return {
      metricsSource: nodeMetricsSource(metrics, () => agent.tenants()),
      services: [
        workerService({
          agent,
          node,
          log,
          applyWaitMs: config.APPLY_WAIT_MS,
          graceMs,
          nodeManager: () => manager.status(),
        }),
      ],
      start: async () => {
        await heartbeat.start();
        await nodes.announce(config.NODE_ID, 'joined');
        log.info(
          {
            node: config.NODE_ID,
            class: nodeClass,
            cores: config.NODE_CORES,
            cgroup: cgroups.mode,
            nodeManager: manager.status().state,
            resctrl: resctrl.reason,
          },
          'node registered',
        );
        await plans.start();
        slaWatch.start(config.STATS_WINDOW_MS);
        manager.start();
      },
      shutdownSteps: [
        ['plan-watch', () => plans.stop()],
        ['node-manager', async () => manager.stop()],
        [
          'sla-watch',
          async () => {
            slaWatch.stop();
            await replans.close();
            await bull.quit();
          },
        ],
        [
          'tenants',
          async () => {
            await agent.shutdown(graceMs);
            stateDir.release();
          },
        ],
        [
          'deregister',
          async () => {
            await heartbeat.stop();
            await nodes.announce(config.NODE_ID, 'left');
          },
        ],
      ],
    };
  },
});
