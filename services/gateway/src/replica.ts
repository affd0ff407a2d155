import { InferStreamClient } from '@hera/grpc';
import { splitVersions } from '@hera/model-schema';

/**
 * Whether a replica's host serves `version`: its version field names the set it serves
 * ("1,2", newest last); '' (an older agent's) is taken to serve whatever the catalog does.
 */
export function servesVersion(r: { version: string }, version: string): boolean {
  return !r.version || splitVersions(r.version).includes(version);
}

/** The version a query naming none gets from a replica: the newest its host serves ('' when unknown). */
export function newestVersion(r: { version: string }): string {
  return splitVersions(r.version).at(-1) ?? '';
}

/** Weight of a new per-item service time sample in the running average. */
const EWMA_ALPHA = 0.2;
/** How long a replica that answered UNAVAILABLE is picked only as a last resort. */
const SUSPECT_MS = 1_000;

/** What a replica sends sub-batches over: a host's InferStream (fakes in unit tests). */
export type InferStream = Pick<InferStreamClient, 'infer'>;

/** One tenant serving a model on one node, as the gateway sees it. */
export class Replica {
  /** Items sent and not yet answered. */
  outstandingItems = 0;
  /** The host's sub-batch size, when its node reports one. */
  subBatchSize: number | undefined;
  /**
   * The model versions the host serves, as its node reports them: one, or several
   * comma-joined, newest last, under a policy selecting several ('' from older agents).
   * A query naming no version asks the host for the newest of these: during a rollout the
   * catalog already names the new version while hosts of the old one still serve out their
   * handoff.
   */
  version = '';
  /**
   * Smoothed compute time per item in ms as the worker reports it (its inference
   * call, nothing else), 0 until measured. Round trips are no measure of a
   * worker's speed: the sub-batches of a query overlap, so each round trip also
   * holds its siblings' time (it overestimated drain times six- to tenfold).
   */
  msPerItem = 0;
  /** When msPerItem last took a sample, or a query was let through to take one (Date.now ms). */
  estimatedAt = 0;
  suspectUntil = 0;

  constructor(
    readonly nodeId: string,
    readonly model: string,
    readonly endpoint: string,
    public workers: number,
    /** Sub-batches go over this host's InferStream (shared by the replicas at one endpoint). */
    readonly stream: InferStream,
  ) {}

  static connect(nodeId: string, model: string, endpoint: string, workers: number, shared?: InferStream): Replica {
    return new Replica(nodeId, model, endpoint, workers, shared ?? InferStreamClient.connect(endpoint));
  }

  /** Load relative to capacity: what least-outstanding-work compares. */
  load(): number {
    return this.outstandingItems / Math.max(1, this.workers);
  }

  isSuspect(now: number): boolean {
    return now < this.suspectUntil;
  }

  markSuspect(now: number): void {
    this.suspectUntil = now + SUSPECT_MS;
  }

  observe(items: number, computeUs: number): void {
    const busyMs = computeUs / 1000;
    if (items <= 0 || busyMs <= 0) return;
    // Damp outliers (a cold host's first call, a GC pause) so one sample cannot swing admission.
    const sample = this.msPerItem === 0 ? busyMs / items : Math.min(busyMs / items, 4 * this.msPerItem);
    this.msPerItem = this.msPerItem === 0 ? sample : this.msPerItem + EWMA_ALPHA * (sample - this.msPerItem);
    this.estimatedAt = Date.now();
  }
}
