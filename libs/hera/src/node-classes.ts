import type { NodeClassSpec } from './profile';
import type { RooflineHardware } from './roofline';

/*
 * THE hardware constants of the shipped profile sets — the one place they live. Each says
 * where it comes from. They were fixed before any placement result was computed and must not
 * be changed to move a result; change them only when a better source appears (a measurement
 * on the target hardware), and say so in profiles/README.md.
 */

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** DESIGN §7: "Measured matMul ≈ 17 GFLOP/s (wasm)" — tfjs-wasm with SIMD, one thread. */
const PER_CORE_FLOPS = 17e9;

/**
 * Little's law for one core gathering random table rows: 10 L1D line-fill buffers (Intel
 * Skylake-SP, Intel optimization manual) × 64 B lines / 90 ns idle DRAM latency ≈ 7.1 GB/s.
 * An upper bound that assumes the gather kernel keeps every fill buffer busy.
 */
const PER_CORE_GATHER = (10 * 64) / 90e-9;

/**
 * One socket with 6 DDR4-2666 channels (Xeon Scalable 16-core parts such as the Gold 6130):
 * peak 6 × 2666 MT/s × 8 B = 128 GB/s; random line-sized gathers sustain less than STREAM's
 * ~75–80 % of peak because nearly every access opens a new DRAM row — we take 60 %.
 */
const SOCKET_BANDWIDTH = 6 * 2666e6 * 8 * 0.6;

/**
 * Measured on the dev VM (AMD EPYC, Node 20): RSS of a process after one worker thread loaded
 * @tensorflow/tfjs with the wasm backend and ran a 64×512 · 512×256 matMul: +51.5 MiB.
 */
const HOST_OVERHEAD = 52 * MiB;

/**
 * Same measurement, 2nd–4th worker thread: +6.6, −2.4, +2.1 MiB RSS each (noisy); rounded up
 * to 8 MiB per worker.
 */
const WORKER_OVERHEAD = 8 * MiB;

/**
 * The engine those measurements were made on, and so the one the shipped roofline sets
 * describe: TF.js. A planner with a model built for ONNX Runtime refuses these figures for it
 * (`checkProfileEngines`) until the model is profiled on its engine.
 */
const ENGINE = 'tfjs' as const;

const shared = {
  engine: ENGINE,
  perCoreFlops: PER_CORE_FLOPS,
  perCoreGatherBytesPerSec: PER_CORE_GATHER,
  hostOverheadBytes: HOST_OVERHEAD,
  workerOverheadBytes: WORKER_OVERHEAD,
};

const sharedProvenance = {
  engine: {
    kind: 'derived',
    detail:
      'the roofline describes TF.js: its dense rate and its host and worker overheads were measured on tfjs-wasm, not on ONNX Runtime',
  },
  perCoreFlops: {
    kind: 'measured',
    detail: 'DESIGN §7: tfjs-wasm (SIMD, one thread) matMul ≈ 17 GFLOP/s on the development machines',
  },
  perCoreGatherBytesPerSec: {
    kind: 'assumed',
    detail:
      "Little's law: 10 L1D fill buffers × 64 B / 90 ns DRAM latency ≈ 7.1 GB/s per core (Skylake-SP-class core; assumes the gather keeps all fill buffers busy)",
  },
  hostOverheadBytes: {
    kind: 'measured',
    detail:
      'dev VM, Node 20: RSS after one worker thread loaded tfjs + wasm backend and ran a matMul, +51.5 MiB → 52 MiB',
  },
  workerOverheadBytes: {
    kind: 'measured',
    detail: 'dev VM, Node 20: RSS increments of the 2nd–4th such worker thread, +6.6/−2.4/+2.1 MiB → 8 MiB upper bound',
  },
} as const;

/** The 16-core node class: one Xeon-Scalable-class socket. */
export const NODE_CLASS_16C: RooflineHardware = {
  name: '16c',
  description:
    'one socket, 16 cores, 6 × DDR4-2666, 96 GiB (Xeon Scalable class, e.g. Gold 6130); modelled, not measured',
  cores: 16,
  memoryBytes: 96 * GiB,
  memoryBandwidthBytesPerSec: SOCKET_BANDWIDTH,
  ...shared,
  provenance: {
    cores: { kind: 'configured', detail: 'node class definition: 16 cores, one socket' },
    memoryBytes: { kind: 'configured', detail: 'node class definition: 6 channels × 16 GiB DIMMs = 96 GiB' },
    memoryBandwidthBytesPerSec: {
      kind: 'assumed',
      detail:
        '6 × DDR4-2666 × 8 B = 128 GB/s peak (vendor spec) × 0.6 sustained for random line-sized gathers (assumption) = 76.8 GB/s',
    },
    ...sharedProvenance,
  },
};

/**
 * The 2-core node class: the development VM (2 vCPUs, 24 GiB; DESIGN §7). Its vCPUs share a
 * host socket whose memory system is not partitioned, so the node's bandwidth is taken to be
 * the same socket bandwidth as the 16-core class — two cores cannot come near it.
 */
export const NODE_CLASS_2C: RooflineHardware = {
  name: '2c',
  description: 'the development VM: 2 vCPUs, 24 GiB, on an unpartitioned server socket; modelled, not measured',
  cores: 2,
  memoryBytes: 24 * GiB,
  memoryBandwidthBytesPerSec: SOCKET_BANDWIDTH,
  ...shared,
  provenance: {
    cores: { kind: 'measured', detail: 'DESIGN §7 and lscpu on the dev VM: 2 vCPUs' },
    memoryBytes: { kind: 'measured', detail: 'DESIGN §7: 24 GiB' },
    memoryBandwidthBytesPerSec: {
      kind: 'assumed',
      detail:
        'a 2-vCPU VM shares an unpartitioned host socket: same 76.8 GB/s as the 16c class (6 × DDR4-2666 peak × 0.6); unmeasured',
    },
    ...sharedProvenance,
  },
};

/**
 * A what-if class for the placement benchmark and tests, NOT a shipped profile set: a 32-core
 * socket on the same memory system as the 16c class (6 × DDR4-2666, 76.8 GB/s for gathers), 192
 * GiB, and an engine 3× faster per core than tfjs-wasm — onnxruntime ran the zoo's shapes 2–4×
 * faster here (DESIGN §7), the second engine the project is adding. With twice the cores and a
 * faster engine on the same bus, rmc1 (knee 15) and rmc2 (knee 12) saturate memory bandwidth
 * well before 32 workers: the regime Hera is about, which no machine here can measure.
 */
export const NODE_CLASS_32C_WHATIF: RooflineHardware = {
  ...NODE_CLASS_16C,
  name: '32c-whatif',
  description:
    'what-if: 32 cores on the 16c memory system (76.8 GB/s), 192 GiB, engine 3× tfjs-wasm per core; modelled, for benchmarks and tests only',
  cores: 32,
  memoryBytes: 192 * GiB,
  perCoreFlops: 3 * PER_CORE_FLOPS,
  provenance: {
    ...NODE_CLASS_16C.provenance,
    cores: { kind: 'configured', detail: 'what-if class definition: 32 cores, one socket' },
    memoryBytes: { kind: 'configured', detail: 'what-if class definition: 192 GiB' },
    perCoreFlops: {
      kind: 'assumed',
      detail:
        '3 × the measured 17 GFLOP/s of tfjs-wasm: onnxruntime ran the zoo 2–4× faster on the dev machines (DESIGN §7)',
    },
    engine: {
      kind: 'assumed',
      detail:
        "TF.js's figures with the dense rate scaled 3× (a what-if, not an ONNX Runtime measurement): labelled tfjs, the engine its other constants were measured on",
    },
  },
};

/** The node classes this library describes, by name. */
export const KNOWN_NODE_CLASSES: readonly RooflineHardware[] = [NODE_CLASS_2C, NODE_CLASS_16C];

/**
 * The node class of measured profiles: cores and memory as the registered nodes report them,
 * and — where the class is one this library knows by name and core count — that class's memory
 * bandwidth, with its provenance (an assumption for both shipped classes). Without a bandwidth
 * figure the pair predictor cannot size a tenant's share of the bus and claims no gain
 * (`bandwidthCeiling` falls back to the solo plateau); measured pair profiles still count.
 */
export function measuredNodeClass(node: { name: string; cores: number; memoryBytes: number }): NodeClassSpec {
  const known = KNOWN_NODE_CLASSES.find(k => k.name === node.name && k.cores === node.cores);
  return {
    name: node.name,
    cores: node.cores,
    memoryBytes: node.memoryBytes,
    ...(known ? { memoryBandwidthBytesPerSec: known.memoryBandwidthBytesPerSec } : {}),
    description: `measured by the Hera profiler on nodes of class ${node.name}`,
    provenance: {
      cores: { kind: 'measured', detail: 'reported by the registered nodes of this class' },
      memoryBytes: { kind: 'measured', detail: 'reported by the registered nodes of this class' },
      ...(known
        ? {
            memoryBandwidthBytesPerSec: {
              ...known.provenance.memoryBandwidthBytesPerSec,
              detail: `as the shipped ${known.name} class: ${known.provenance.memoryBandwidthBytesPerSec.detail}`,
            },
          }
        : {}),
    },
  };
}
