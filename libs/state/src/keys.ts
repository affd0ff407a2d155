/**
 * Every Redis key and channel Hera uses, and what it holds. The one place key
 * names live: services never build key strings themselves. Records are read and
 * written through their stores (ModelStore, DemandStore, PlanStore, ProfileStore).
 *
 * | key                                  | type   | holds                                          |
 * | ------------------------------------ | ------ | ---------------------------------------------- |
 * | {p}:nodes                            | set    | ids of nodes that ever registered (pruned)     |
 * | {p}:node:{id}                        | string | NodeRecord JSON, TTL = 3 heartbeats            |
 * | {p}:services                         | set    | "{service}/{instance}" ids (pruned)            |
 * | {p}:service:{service}/{instance}     | string | ServiceRecord JSON, TTL = 3 heartbeats         |
 * | {p}:services:last                    | hash   | instance id → its last ServiceRecord JSON, no  |
 * |                                      |        | TTL (hera status shows a silent service)       |
 * | {p}:models                           | hash   | model name → ModelRecord JSON                  |
 * | {p}:demand                           | hash   | model name → target QPS                        |
 * | {p}:plan                             | string | the applied Plan JSON                          |
 * | {p}:plan:version                     | string | counter, last applied plan version             |
 * | {p}:plan:explain                     | string | the applied plan's explanation JSON            |
 * | {p}:profile:{class}:{model}          | string | Profile JSON                                   |
 * | {p}:pair:{class}:{a}:{b}             | string | PairProfile JSON (a < b)                       |
 * | {p}:profiler:cancel:{job}            | string | "1" while a running profile job is cancelled   |
 * | {p}:bull:*                           | —      | BullMQ queues (see @hera/queues)               |
 *
 * | channel                | message                                          |
 * | ---------------------- | ------------------------------------------------ |
 * | {p}:events:plan        | the new plan version, after {p}:plan was written |
 * | {p}:events:nodes       | JSON { node, event }: joined, left, changed      |
 * | {p}:events:models      | model name whose record changed                  |
 *
 * On a Redis Cluster the prefix carries a hash tag (HERA_REDIS_PREFIX={hera}, which the
 * services' config requires there): every key above, and every BullMQ key under
 * {p}:bull, then hashes to one slot, so the transactions (heartbeat, plan, demand), MGETs
 * and BullMQ's scripts that touch several keys stay legal. Hera's state is small (records
 * of nodes, models, plans and profiles), so one slot holds it easily; SCANs run on every
 * master (scanKeys). With a plain prefix on one server the key names are unchanged.
 */
export class Keyspace {
  readonly prefix: string;

  /** `prefix` is HERA_REDIS_PREFIX; a trailing ":" is optional. */
  constructor(prefix = 'hera') {
    this.prefix = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
  }

  nodes(): string {
    return `${this.prefix}:nodes`;
  }
  node(id: string): string {
    return `${this.prefix}:node:${id}`;
  }
  services(): string {
    return `${this.prefix}:services`;
  }
  service(instanceId: string): string {
    return `${this.prefix}:service:${instanceId}`;
  }
  servicesLastSeen(): string {
    return `${this.prefix}:services:last`;
  }
  models(): string {
    return `${this.prefix}:models`;
  }
  demand(): string {
    return `${this.prefix}:demand`;
  }
  plan(): string {
    return `${this.prefix}:plan`;
  }
  planVersion(): string {
    return `${this.prefix}:plan:version`;
  }
  planExplanation(): string {
    return `${this.prefix}:plan:explain`;
  }
  profile(nodeClass: string, model: string): string {
    return `${this.prefix}:profile:${nodeClass}:${model}`;
  }
  profilePattern(nodeClass = '*'): string {
    return `${this.prefix}:profile:${nodeClass}:*`;
  }
  pairPattern(nodeClass: string): string {
    return `${this.prefix}:pair:${nodeClass}:*`;
  }
  pairProfile(nodeClass: string, a: string, b: string): string {
    const [x, y] = a < b ? [a, b] : [b, a];
    return `${this.prefix}:pair:${nodeClass}:${x}:${y}`;
  }
  /** Set while a running profiling job should stop (its runner checks between measurements). */
  profileCancel(jobId: string): string {
    return `${this.prefix}:profiler:cancel:${jobId}`;
  }
  /** Prefix handed to BullMQ, so queues live under the same namespace. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  planChannel(): string {
    return `${this.prefix}:events:plan`;
  }
  nodeChannel(): string {
    return `${this.prefix}:events:nodes`;
  }
  modelChannel(): string {
    return `${this.prefix}:events:models`;
  }
}
