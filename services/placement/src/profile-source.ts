import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { idsPerItem, MAX_ITEMS, recordVersions } from '@hera/model-schema';
import { HeraError } from '@hera/errors';
import {
  buildModelProfile,
  hostOverheadBytes,
  measuredNodeClass,
  NODE_CLASS_2C,
  pairFromMeasurements,
  parseProfileSet,
  profileFromMeasurements,
  requestSlotBytes,
  rooflineProfileSet,
  THREAD_RUNTIME_BYTES,
  threadMemoryBytes,
  WEIGHT_PEAK_FACTOR,
  zooRooflineModels,
  type ModelProfile,
  type PairProfile,
  type ProfileSet,
} from '@hera/hera';
import { CONNECTION_WINDOW_BYTES } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { INITIAL_OLD_SPACE_MIB, TENANT_QUEUE_BYTES } from '@hera/procs';
import type { ModelRecord, ModelStore, ProfileStore } from '@hera/state';

const MiB = 1024 * 1024;
/** A tenant host's overhead under load (@hera/hera memory model), with this deployment's bounds. */
const HOST_OVERHEAD_BYTES = hostOverheadBytes({
  oldSpaceBytes: INITIAL_OLD_SPACE_MIB * MiB,
  connectionWindowBytes: CONNECTION_WINDOW_BYTES,
  queueBytes: TENANT_QUEUE_BYTES,
});

/**
 * The profiles placement plans with, per node class: a base set (shipped or from
 * a file) overlaid with what the profiler measured (Redis), so measurements win
 * as they arrive. Memory needs come from the models actually registered: the
 * base sets describe full-scale tables, a cluster may serve a smaller build.
 */
export class ProfileSource {
  readonly #base = new Map<string, ProfileSet>();

  constructor(
    private readonly profiles: ProfileStore,
    private readonly models: ModelStore,
    private readonly log: Logger,
  ) {}

  /** Loads the base sets named in PROFILE_SETS; fails fast on a bad file. */
  loadBase(spec: string): void {
    const shipped = join(dirname(require.resolve('@hera/hera/package.json')), 'profiles');
    for (const entry of spec
      .split(',')
      .map(s => s.trim())
      .filter(Boolean)) {
      const path = /^[A-Za-z0-9_-]+$/.test(entry)
        ? join(shipped, `${entry}.json`)
        : isAbsolute(entry)
          ? entry
          : resolve(entry);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new Error(`PROFILE_SETS: cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
      const set = parseProfileSet(json);
      this.#base.set(set.nodeClass.name, set);
      this.log.info({ nodeClass: set.nodeClass.name, models: set.models.length, path }, 'profile set loaded');
    }
  }

  classes(): string[] {
    return [...this.#base.keys()];
  }

  /** The profile set for a node class, with measured profiles and registered sizes applied. */
  async forClass(nodeClass: string, hardware?: { cores: number; memoryBytes: number }): Promise<ProfileSet> {
    const base = this.#base.get(nodeClass);
    const [measured, pairs, registry] = await Promise.all([
      this.profiles.list(nodeClass),
      this.profiles.listPairs(nodeClass),
      this.models.list(),
    ]);
    if (!base && measured.length === 0) {
      if (!hardware) {
        throw new HeraError(
          'PRECONDITION',
          `no profiles for node class ${JSON.stringify(nodeClass)}; known classes: ${this.classes().join(', ') || 'none'} (profile it, or add a set to PROFILE_SETS)`,
        );
      }
      // An unprofiled class of registered nodes: derive a set from the roofline model for its
      // cores and memory, as the shipped sets were (every value says so in its provenance).
      const derived = rooflineProfileSet(
        zooRooflineModels(),
        {
          ...NODE_CLASS_2C,
          name: nodeClass,
          description: `registered nodes of class ${nodeClass}: ${hardware.cores} cores, ${hardware.memoryBytes} B; roofline-derived, not measured`,
          cores: hardware.cores,
          memoryBytes: hardware.memoryBytes,
          provenance: {
            ...NODE_CLASS_2C.provenance,
            cores: { kind: 'measured', detail: 'reported by the registered nodes of this class' },
            memoryBytes: { kind: 'measured', detail: 'reported by the registered nodes of this class' },
          },
        },
        { generatedBy: 'placement service: roofline for an unprofiled node class' },
      );
      this.log.warn(
        { nodeClass, cores: hardware.cores },
        'no profiles for this node class: planning with a roofline-derived set until it is profiled',
      );
      this.#base.set(nodeClass, derived);
      return this.forClass(nodeClass, hardware);
    }
    const byModel = new Map<string, ModelProfile>((base?.models ?? []).map(m => [m.model, m]));
    const slas = new Map(registry.map(r => [r.name, r.slaMs]));
    for (const rec of measured) {
      const sla = slas.get(rec.model);
      if (sla !== undefined && Math.abs(rec.slaMs - sla) > 1e-9) {
        this.log.warn(
          { model: rec.model, nodeClass, profiledAtSlaMs: rec.slaMs, slaMs: sla },
          'measured profile is bounded by a different SLA than the model has; planning with it as measured',
        );
      }
      try {
        byModel.set(rec.model, profileFromMeasurements(rec));
      } catch (err) {
        this.log.warn({ err, model: rec.model, nodeClass }, 'ignoring a measured profile that does not parse');
      }
    }
    const sizes = new Map<string, ModelRecord>(registry.map(r => [r.name, r]));
    const models = [...byModel.values()].map(p => {
      const r = sizes.get(p.model);
      if (!r) return p;
      // Tables held per thread (imported models) are part of each worker's weights. Every served
      // version is loaded by every host (their sizes summed in sizeBytes), each with its own tables.
      const served = recordVersions(r);
      const tableBytes =
        r.sharedTables === false ? 0 : served.length * r.tables.reduce((s, t) => s + t.rows * t.dim * 4, 0);
      const weightBytes = Math.max(0, r.sizeBytes - tableBytes);
      // The newest version's measured profile stands for the others (they share its inputs).
      const of =
        served.length > 1
          ? `versions ${served.join(', ')} (each loaded; the profile of ${r.version} assumed for the others)`
          : `version ${r.version}`;
      const slotBytes = requestSlotBytes(MAX_ITEMS, r.denseDim, idsPerItem(r.tables));
      const perWorker = Math.max(p.memoryPerWorkerBytes, threadMemoryBytes(weightBytes, slotBytes));
      return buildModelProfile({
        ...p,
        memoryPerHostBytes: tableBytes + HOST_OVERHEAD_BYTES,
        memoryPerWorkerBytes: perWorker,
        provenance: {
          ...p.provenance,
          memoryPerHostBytes: {
            kind: 'derived',
            detail: `tables of the registered build (${of}): ${tableBytes} B + ${HOST_OVERHEAD_BYTES} B measured host overhead`,
          },
          memoryPerWorkerBytes: {
            kind: 'derived',
            detail: `max(profile, ${WEIGHT_PEAK_FACTOR} × ${weightBytes} B dense weights${served.length > 1 ? ` of ${of}` : ''} + ${THREAD_RUNTIME_BYTES} B per thread + ${slotBytes} B request slot), measured peaks`,
          },
        },
      });
    });
    const measuredPairs: PairProfile[] = pairs.map(pairFromMeasurements);
    const keep = new Set(measuredPairs.map(p => [p.a, p.b].sort().join('+')));
    const basePairs = (base?.pairs ?? []).filter(p => !keep.has([p.a, p.b].sort().join('+')));
    const nodeClassSpec =
      base?.nodeClass ??
      measuredNodeClass({
        name: nodeClass,
        cores: hardware?.cores ?? measured[0]!.cores,
        memoryBytes: hardware?.memoryBytes ?? 0,
      });
    return { nodeClass: nodeClassSpec, models, pairs: [...basePairs, ...measuredPairs] };
  }
}
