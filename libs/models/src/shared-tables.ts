import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { HeraError } from '@hera/errors';
import { readModelConfig, readModelJson, versionDir } from './repository';
import {
  allocateWasmMemory,
  scratchLayout,
  SCRATCH_CHUNK,
  SCRATCH_SLOTS,
  wasmBagSupported,
  type TableScratch,
} from './wasm-bag';
import { isImported, type ModelConfig, type TablePooling } from '@hera/model-schema';
import type { BagTable } from './embedding-bag';

/** One embedding table in shared memory: row-major [rows, dim] fp32. */
export interface SharedTable {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  /** A view over a SharedArrayBuffer of exactly rows × dim values. */
  readonly data: Float32Array;
  /** Row 0 starts on a 64-byte boundary. */
  readonly aligned: boolean;
  /** Scratch slots of the SIMD kernel, when the table lives in a shared WebAssembly.Memory. */
  readonly scratch?: TableScratch;
}

/**
 * A model's embedding tables, loaded once per node and shared by all of that model's worker
 * threads. Plain data over SharedArrayBuffers: `postMessage` hands the same memory to another
 * thread (structured clone shares a SharedArrayBuffer instead of copying it), so n workers hold
 * one copy of the tables, not n.
 */
export interface SharedTables {
  readonly model: string;
  readonly version: string;
  readonly tables: readonly SharedTable[];
  /** Σ table bytes. */
  readonly bytes: number;
}

/**
 * Shared, zeroed memory for one table. Preferably its own shared WebAssembly.Memory: its buffer
 * is a SharedArrayBuffer like any other (postMessage shares it), it starts on a page boundary,
 * and it has room past the rows for the SIMD kernel's scratch slots (wasm-bag.ts). It is a
 * memory of its own, not TF.js's WebAssembly heap. Alignment matters on its own: a plain
 * SharedArrayBuffer starts 16 bytes into a page (glibc's chunk header), so every 128-byte row
 * straddles three cache lines instead of two (measured: 1.5 against 1.8 GB/s for the JavaScript
 * kernel on a 1 GB table). Tables that do not fit in 4 GiB with their scratch, or runtimes
 * without shared WebAssembly memories, get a plain SharedArrayBuffer and the JavaScript kernel.
 */
function allocateTable(
  bytes: number,
  lookups: number,
  pooling: TablePooling,
  dim: number,
): Pick<SharedTable, 'data' | 'aligned' | 'scratch'> {
  const geometry = scratchLayout(bytes, lookups, pooling === 'sum' ? dim : lookups * dim);
  const memory = wasmBagSupported() ? allocateWasmMemory(geometry.total) : undefined;
  if (memory) {
    return {
      data: new Float32Array(memory.buffer, 0, bytes / 4),
      aligned: true,
      scratch: {
        memory,
        offset: geometry.offset,
        slots: SCRATCH_SLOTS,
        slotBytes: geometry.slotBytes,
        control: geometry.control,
        chunk: SCRATCH_CHUNK,
        idsBytes: geometry.idsBytes,
      },
    };
  }
  return { data: new Float32Array(new SharedArrayBuffer(bytes)), aligned: false };
}

/**
 * Reads one word per 4 KiB page of a freshly read table. On these machines (a sandboxed VM) the
 * first user-space access to a page costs ~5 µs even after read() has filled it: 1.2 s per GB.
 * Paid here, at load, instead of by the first queries, whose random rows would each land on an
 * untouched page (measured: wnd at sub-batch 256 took 74 ms per call instead of 31 until every
 * page had been seen). Elsewhere the pass costs ~10 ms per GB.
 */
function prefault(data: Float32Array): void {
  const words = new Int32Array(data.buffer, data.byteOffset, data.length);
  let s = 0;
  for (let i = 0; i < words.length; i += 1024) s |= words[i]!;
  _prefaulted |= s; // observable, so the loads are not optimised away
}

let _prefaulted = 0;

/** Largest single read: Linux reads at most ~2 GiB per call, and smaller reads keep memory flat. */
const READ_CHUNK = 64 * 1024 * 1024;

/**
 * Reads a model's embedding tables from the repository into SharedArrayBuffers. The tables stay
 * outside the WebAssembly heap (one per TF.js instance, capped at 4 GiB): the embedding bag reads
 * them from JavaScript and only the pooled rows enter TF.js.
 */
export async function loadTables(repo: string, name: string, version?: string): Promise<SharedTables> {
  const config = await readModelConfig(repo, name, version);
  // An imported model's embeddings are weights of its own TF.js model, loaded with it.
  if (isImported(config)) return { model: name, version: config.version, tables: [], bytes: 0 };
  const v = config.version;
  const json = await readModelJson(repo, name, v);
  const dir = versionDir(repo, name, v);
  const tables: SharedTable[] = [];
  let bytes = 0;
  json.embeddingTables.forEach((t, i) => {
    const use = json.modelTopology.tables[i];
    if (!use || use.name !== t.name)
      throw new HeraError('INTERNAL', `model ${name} version ${v}: table ${t.name} is not in the topology`);
  });
  for (const [i, t] of json.embeddingTables.entries()) {
    const use = json.modelTopology.tables[i]!;
    if (t.dtype !== 'float32' || t.byteLength !== t.rows * t.dim * 4) {
      throw new HeraError(
        'INTERNAL',
        `model ${name} version ${v}: table ${t.name} manifest is inconsistent (${t.rows} × ${t.dim} ${t.dtype}, ${t.byteLength} bytes)`,
      );
    }
    const { data, aligned, scratch } = allocateTable(t.byteLength, use.lookups, use.pooling, t.dim);
    const dst = new Uint8Array(data.buffer, data.byteOffset, t.byteLength);
    let offset = 0;
    for (const path of t.paths) {
      const fh = await fsp.open(join(dir, path), 'r');
      try {
        const size = (await fh.stat()).size;
        if (offset + size > t.byteLength)
          throw new HeraError(
            'INTERNAL',
            `model ${name} version ${v}: table ${t.name} shards hold more than ${t.byteLength} bytes`,
          );
        for (let pos = 0; pos < size;) {
          const { bytesRead } = await fh.read(dst, offset + pos, Math.min(READ_CHUNK, size - pos), pos);
          if (bytesRead === 0) throw new HeraError('INTERNAL', `model ${name} version ${v}: ${path} ended early`);
          pos += bytesRead;
        }
        offset += size;
      } finally {
        await fh.close();
      }
    }
    if (offset !== t.byteLength) {
      throw new HeraError(
        'INTERNAL',
        `model ${name} version ${v}: table ${t.name} shards hold ${offset} bytes, expected ${t.byteLength}`,
      );
    }
    prefault(data);
    tables.push(
      scratch
        ? { name: t.name, rows: t.rows, dim: t.dim, data, aligned, scratch }
        : { name: t.name, rows: t.rows, dim: t.dim, data, aligned },
    );
    bytes += t.byteLength;
  }
  return { model: name, version: v, tables, bytes };
}

/** The embedding bag's view of a model's loaded tables: each table of its config on its shared memory. */
export function bagTables(config: Pick<ModelConfig, 'tables'>, tables: SharedTables): BagTable[] {
  return config.tables.map((t, i) => {
    const s = tables.tables[i]!;
    return {
      name: t.name,
      data: s.data,
      rows: t.rows,
      dim: t.dim,
      lookups: t.lookups,
      pooling: t.pooling,
      aligned: s.aligned,
      scratch: s.scratch,
    };
  });
}
