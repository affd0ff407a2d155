import { Gauge, type Registry } from '@hera/metrics';
import type { Plan } from '@hera/proto';

/** How long one read of the applied plan serves the gauges (one scrape reads it once). */
const PLAN_READ_MS = 1_000;

/**
 * The applied plan as gauges, read from Redis when scraped (one GET per scrape; never
 * on an RPC path): its version, servers needed, mean EMU, nodes per configuration and
 * EMU per node. Before the first plan the version, servers and mean EMU are 0 (as the
 * version counter is) and there are no per-node series. A failed read leaves
 * the last values (the scrape still answers).
 */
export function registerPlanMetrics(registry: Registry, plans: { get(): Promise<Plan | undefined> }): void {
  let read: { at: number; plan: Promise<Plan | undefined> } | undefined;
  let last: Plan | undefined;
  const plan = async (): Promise<Plan | undefined> => {
    const now = Date.now();
    if (!read || now - read.at > PLAN_READ_MS) read = { at: now, plan: plans.get() };
    try {
      last = await read.plan;
    } catch {
      /* Redis unreachable: the last plan read stays */
    }
    return last;
  };
  const registers = [registry];
  new Gauge({
    name: 'hera_placement_plan_version',
    help: 'Version of the applied plan (0: none applied)',
    registers,
    async collect() {
      const p = await plan();
      this.set(Number(p?.version ?? 0));
    },
  });
  new Gauge({
    name: 'hera_placement_plan_servers',
    help: 'Servers the applied plan needs for the demand',
    registers,
    async collect() {
      const p = await plan();
      this.set(Number(p?.serversNeeded ?? 0));
    },
  });
  new Gauge({
    name: 'hera_placement_plan_mean_emu',
    help: 'Mean effective machine utilisation over the nodes of the applied plan',
    registers,
    async collect() {
      const p = await plan();
      this.set(Number(p?.meanEmu ?? 0));
    },
  });
  new Gauge({
    name: 'hera_placement_plan_configurations',
    help: 'Servers of each configuration in the applied plan (e.g. config="rmc2:2+ncf:14")',
    labelNames: ['config'],
    registers,
    async collect() {
      const p = await plan();
      this.reset();
      for (const n of p?.nodes ?? []) this.inc({ config: n.config ?? '' });
    },
  });
  new Gauge({
    name: 'hera_placement_plan_node_emu',
    help: 'Effective machine utilisation the applied plan expects of each node, by node and configuration (node="": more servers needed than registered)',
    labelNames: ['node', 'config'],
    registers,
    async collect() {
      const p = await plan();
      this.reset();
      for (const n of p?.nodes ?? []) this.inc({ node: n.nodeId ?? '', config: n.config ?? '' }, Number(n.emu ?? 0));
    },
  });
}
