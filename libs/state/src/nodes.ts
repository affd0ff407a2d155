import type { Redis } from 'ioredis';
import { listLive } from './heartbeat';
import type { Keyspace } from './keys';
import type { NodeRecord } from './records';

/** The registered nodes: heartbeat records {p}:node:<id>, indexed by {p}:nodes. */
export class NodeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  /** Every node whose record has not expired, by node id (expired members leave the index). */
  async live(): Promise<NodeRecord[]> {
    return (await listLive<NodeRecord>(this.redis, this.keys.nodes(), m => this.keys.node(m))).live;
  }
}
