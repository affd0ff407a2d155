import type { RedisClient } from './connect';
import { listLive } from './heartbeat';
import { isObject, shown } from './malformed';
import type { Keyspace } from './keys';
import type { NodeRecord } from './records';

/** The registered nodes: heartbeat records {p}:node:<id>, indexed by {p}:nodes. */
export class NodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  /** Every node whose record has not expired, by node id (expired members leave the index). */
  async live(): Promise<NodeRecord[]> {
    return (await listLive<NodeRecord>(this.redis, this.keys.nodes(), m => this.keys.node(m))).live;
  }

  /** Tells the {p}:nodes channel's subscribers (placement, gateways) about a node. */
  async announce(node: string, event: NodeEventKind): Promise<void> {
    await this.redis.publish(this.keys.nodeChannel(), nodeEventMessage(node, event));
  }
}

/** What the {p}:nodes channel says about a node: it registered, its record changed, it left. */
export type NodeEventKind = 'joined' | 'changed' | 'left';
export interface NodeEvent {
  node: string;
  event: NodeEventKind;
}
const NODE_EVENTS: readonly string[] = ['joined', 'changed', 'left'] satisfies NodeEventKind[];

/** The channel message for a node event, as every publisher writes it. */
export function nodeEventMessage(node: string, event: NodeEventKind): string {
  return JSON.stringify({ node, event } satisfies NodeEvent);
}

/** A {p}:nodes channel message, or why it is not one (subscribers log it and go on). */
export function parseNodeEvent(msg: string): NodeEvent | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(msg);
  } catch {
    return { error: 'not JSON' };
  }
  if (!isObject(v) || typeof v['node'] !== 'string' || !v['node']) return { error: `no node id in ${shown(v)}` };
  if (typeof v['event'] !== 'string' || !NODE_EVENTS.includes(v['event']))
    return { error: `event ${shown(v['event'])} is not one of ${NODE_EVENTS.join(', ')}` };
  return { node: v['node'], event: v['event'] as NodeEventKind };
}
