import type { CgroupManager } from '@hera/cgroups';
import { Counter, Gauge, mergeMetrics, type MetricsJson, type MetricsSource, type Registry } from '@hera/metrics';

/** What the node's metrics read of each tenant, at scrape time only. */
export interface TenantView {
  readonly allocation: { readonly model: string; readonly memoryLimitBytes: number };
  readonly restarts: number;
  readonly cgroup: {
    memoryUsage(): number;
    oomKills(): number;
    cpuStat(): { periods: number; throttledPeriods: number; throttledSeconds: number } | undefined;
  };
  metrics(timeoutMs: number): Promise<MetricsJson | undefined>;
}

/** How long a scrape waits for each tenant host's metrics (they answer in well under a millisecond). */
export const HOST_METRICS_TIMEOUT_MS = 1_000;

/**
 * The node agent's own series, per tenant (label `tenant`, the tenant's model), read
 * from each tenant's cgroup and supervisor when scraped: CPU throttling, memory, OOM
 * kills and host restarts. Cgroup counters are the kernel's own (since the group was
 * made), exposed as counters as they are. An unconfined node (cgroup mode "none") has
 * no cgroup series: `hera_node_cgroup_info{mode="none"}` says why.
 */
export function registerNodeMetrics(
  registry: Registry,
  cgroups: Pick<CgroupManager, 'mode'>,
  tenants: () => readonly TenantView[],
): void {
  const registers = [registry];
  new Gauge({
    name: 'hera_node_cgroup_info',
    help: 'Always 1: how tenants are confined (mode="v1"|"v2"; "none": unconfined, no limits and no cgroup series)',
    labelNames: ['mode'],
    registers,
  }).set({ mode: cgroups.mode }, 1);
  const confined = cgroups.mode !== 'none';
  /** A counter whose values are read, not counted: reset and set at each scrape (a tenant gone is gone). */
  const readCounter = (name: string, help: string, read: (t: TenantView) => number | undefined) =>
    new Counter({
      name,
      help,
      labelNames: ['tenant'],
      registers,
      collect() {
        this.reset();
        for (const t of tenants()) {
          const v = read(t);
          if (v !== undefined && v >= 0) this.inc({ tenant: t.allocation.model }, v);
        }
      },
    });
  readCounter('hera_node_tenant_host_restarts_total', 'Times the tenant host died and was restarted', t => t.restarts);
  if (confined) {
    readCounter(
      'hera_node_tenant_cpu_periods_total',
      'CFS enforcement periods in which the tenant had runnable tasks (cgroup cpu.stat nr_periods)',
      t => t.cgroup.cpuStat()?.periods,
    );
    readCounter(
      'hera_node_tenant_cpu_throttled_periods_total',
      'Periods in which the tenant used up its CPU quota and was stopped (cgroup cpu.stat nr_throttled)',
      t => t.cgroup.cpuStat()?.throttledPeriods,
    );
    readCounter(
      'hera_node_tenant_cpu_throttled_seconds_total',
      "Time the tenant's tasks were stopped at its CPU quota (cgroup cpu.stat throttled_time)",
      t => t.cgroup.cpuStat()?.throttledSeconds,
    );
    readCounter(
      'hera_node_tenant_oom_kills_total',
      'Processes of the tenant the kernel OOM-killed at its memory limit',
      t => t.cgroup.oomKills(),
    );
    new Gauge({
      name: 'hera_node_tenant_memory_usage_bytes',
      help: "Memory charged to the tenant's cgroup (v1 memory.usage_in_bytes, v2 memory.current)",
      labelNames: ['tenant'],
      registers,
      collect() {
        this.reset();
        for (const t of tenants()) this.set({ tenant: t.allocation.model }, t.cgroup.memoryUsage());
      },
    });
    new Gauge({
      name: 'hera_node_tenant_memory_limit_bytes',
      help: "The tenant's memory limit (absent: none)",
      labelNames: ['tenant'],
      registers,
      collect() {
        this.reset();
        for (const t of tenants())
          if (t.allocation.memoryLimitBytes > 0)
            this.set({ tenant: t.allocation.model }, t.allocation.memoryLimitBytes);
      },
    });
  }
}

/**
 * The node's /metrics: the agent's registry merged with each tenant host's (asked over
 * its control socket at scrape time), one scrape target per node. A host that does not
 * answer in time is left out of that scrape and `hera_node_tenant_metrics_up` says so.
 */
export function nodeMetricsSource(
  registry: Registry,
  tenants: () => readonly TenantView[],
  timeoutMs = HOST_METRICS_TIMEOUT_MS,
): MetricsSource {
  const up = new Gauge({
    name: 'hera_node_tenant_metrics_up',
    help: "1 when the tenant host's metrics were collected in this scrape, 0 when it did not answer",
    labelNames: ['tenant'],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    metrics: async () => {
      const list = tenants();
      const hosts = await Promise.all(list.map(t => t.metrics(timeoutMs)));
      up.reset();
      list.forEach((t, i) => up.set({ tenant: t.allocation.model }, hosts[i] ? 1 : 0));
      const own = await registry.getMetricsAsJSON();
      return mergeMetrics([own, ...hosts.filter((h): h is MetricsJson => h !== undefined)]).metrics();
    },
  };
}
