#!/usr/bin/env node
import { telemetry } from './instrument';
import { detectCgroups } from '@hera/cgroups';
import { runService } from '@hera/runtime';
import { Heartbeat, type NodeRecord } from '@hera/state';
import { loadConfig } from './config';
import { workerService } from './server';

void runService({
  name: 'worker',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, address }) => {
    const cgroups = detectCgroups();
    if (cgroups.mode === 'none') {
      log.warn(
        { reason: cgroups.reason },
        'NO CGROUPS: tenants will run without CPU or memory limits and will interfere with each other; status reports cgroup: none',
      );
    } else {
      log.info({ mode: cgroups.mode, reason: cgroups.reason }, 'cgroups detected');
    }
    const startedAtMs = Date.now();
    const node = (): NodeRecord => ({
      nodeId: config.NODE_ID,
      endpoint: address(),
      nodeClass: config.NODE_CLASS ?? `${config.NODE_CORES}c`,
      cores: config.NODE_CORES,
      memoryBytes: config.NODE_MEMORY_BYTES,
      cgroupMode: cgroups.mode,
      backend: '',
      labels: config.NODE_LABELS,
      resctrl: false,
      startedAtMs,
      heartbeatAtMs: Date.now(),
      tenants: {},
    });
    const heartbeat = new Heartbeat<NodeRecord>(redis, {
      key: keys.node(config.NODE_ID),
      indexKey: keys.nodes(),
      member: config.NODE_ID,
      intervalMs: config.HEARTBEAT_MS,
      value: node,
      onError: err => log.warn({ err }, 'node heartbeat failed'),
    });
    return {
      services: [workerService(node, log)],
      start: async () => {
        await heartbeat.start();
        await redis.publish(keys.nodeChannel(), JSON.stringify({ node: config.NODE_ID, event: 'joined' }));
        log.info({ node: config.NODE_ID, class: node().nodeClass, cores: config.NODE_CORES }, 'node registered');
      },
      shutdownSteps: [
        [
          'deregister',
          async () => {
            await heartbeat.stop();
            await redis.publish(keys.nodeChannel(), JSON.stringify({ node: config.NODE_ID, event: 'left' }));
          },
        ],
      ],
    };
  },
});
