/**
 * The embedding bag in WebAssembly SIMD, over a table that lives in its own shared
 * WebAssembly.Memory (see shared-tables.ts).
 *
 * Why: random rows of a table larger than the cache are bound by how many misses are in flight.
 * The JavaScript kernel spends ~100 scalar instructions per 32-float row (no SIMD, a bounds check
 * per load), so the CPU's reorder window holds only a few rows and its touch pass cannot overlap
 * the arithmetic; 8 f32x4 loads and adds per row leave the window room for ~20 rows, as a
 * vectorised C loop does. Measured on 1 GB tables here: JavaScript 1.3-1.8 GB/s, this kernel
 * 1.9-3.6 GB/s, a C gather-sum (cc -O2) 1.5-2.7 GB/s.
 *
 * A module instance can address only the memory it imports, so each table's memory carries, past
 * the rows, scratch slots for the ids and the pooled rows of one chunk of items; each thread
 * claims a slot per table (a bitmap updated with Atomics) and releases it when its model is
 * disposed. The rows themselves are never copied.
 *
 * The module is assembled here from a few dozen opcodes rather than shipped as a binary: no
 * toolchain is needed and the encoding sits next to what it does.
 */

/** The parts of the WebAssembly JS API used here (not declared by lib es2023 or @types/node 20). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** A shared WebAssembly.Memory: its buffer is a SharedArrayBuffer; postMessage shares it. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** Where a table's scratch slots are in its memory. Plain data: survives postMessage. */
export interface TableScratch {
  readonly memory: WasmMemory;
  /** Byte offset of slot 0. */
  readonly offset: number;
  readonly slots: number;
  readonly slotBytes: number;
  /** Byte offset of the slot bitmap (Int32 words, one bit per slot). */
  readonly control: number;
  /** Items per kernel call. */
  readonly chunk: number;
  /** Bytes of the ids area at the start of a slot (the pooled rows follow). */
  readonly idsBytes: number;
}

const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export const WASM_PAGE = 65_536;
/** A WebAssembly.Memory holds at most 4 GiB. */
export const MAX_WASM_BYTES = 65_536 * WASM_PAGE;
/** Slots per table: at most this many threads per process use the kernel on a table at once. */
export const SCRATCH_SLOTS = 64;
/** Items per kernel call. */
export const SCRATCH_CHUNK = 64;
/** Dims with a SIMD kernel (multiples of 4 floats; the zoo uses 32 and 64). */
const KERNEL_DIMS = [16, 32, 64, 128] as const;

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** Scratch geometry for a table: where the slots go after `tableBytes` of rows. */
export function scratchLayout(tableBytes: number, lookups: number, outPerItem: number): { offset: number; slotBytes: number; idsBytes: number; control: number; total: number } {
  const idsBytes = align64(SCRATCH_CHUNK * lookups * 4);
  const slotBytes = idsBytes + align64(SCRATCH_CHUNK * outPerItem * 4);
  const offset = align64(tableBytes);
  const control = offset + SCRATCH_SLOTS * slotBytes;
  return { offset, slotBytes, idsBytes, control, total: control + 64 };
}

let supported: boolean | undefined;

/** Whether this runtime has shared WebAssembly memories and SIMD (checked once). */
export function wasmBagSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = api !== undefined && api.validate(moduleBytes());
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** A shared, zeroed, page-aligned memory of at least `bytes`, or undefined when not possible. */
export function allocateWasmMemory(bytes: number): WasmMemory | undefined {
  if (!api || bytes > MAX_WASM_BYTES) return undefined;
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  try {
    return new api.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined; // address space for WebAssembly memories exhausted
  }
}

// ---- a tiny assembler ------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, c => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  ret: [0x0f],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32Load: [0x28, 2, 0],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  v128Load: (offset: number) => [0xfd, ...uleb(0), 4, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(11), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, ...uleb(228)],
};

/**
 * (ids, count, lookups, out, rows) → 0, or 1 + the byte offset of the first id out of range.
 * Rows are at byte 0 of the memory, dim × 4 bytes each. `sum`: out gets count rows of dim floats,
 * each the sum of the item's rows in lookup order (f32x4 lanes: the same rounding as the scalar
 * kernel). `copy`: out gets count × lookups rows.
 */
function kernelBody(dim: number, pooling: 'sum' | 'copy'): number[] {
  const V = dim / 4;
  const [IDS, COUNT, LOOKUPS, OUT, ROWS, B, L, IP, R, P] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const acc = (k: number) => 10 + k;
  const c: number[] = [];
  const e = (...parts: number[][]) => parts.forEach(p => c.push(...p));
  e(op.get(IDS), op.set(IP), op.i32Const(0), op.set(B));
  e(op.block, op.loop, op.get(B), op.get(COUNT), op.i32GeU, op.brIf(1));
  if (pooling === 'sum') for (let k = 0; k < V; k++) e(op.v128Zero, op.set(acc(k)));
  e(op.i32Const(0), op.set(L));
  e(op.block, op.loop, op.get(L), op.get(LOOKUPS), op.i32GeU, op.brIf(1));
  // r = ids[ip]; if (r >=u rows) return ip + 1
  e(op.get(IP), op.i32Load, op.tee(R), op.get(ROWS), op.i32GeU, op.if, op.get(IP), op.i32Const(1), op.i32Add, op.ret, op.end);
  e(op.get(R), op.i32Const(dim * 4), op.i32Mul, op.set(P));
  if (pooling === 'sum') {
    for (let k = 0; k < V; k++) e(op.get(acc(k)), op.get(P), op.v128Load(16 * k), op.f32x4Add, op.set(acc(k)));
  } else {
    for (let k = 0; k < V; k++) e(op.get(OUT), op.get(P), op.v128Load(16 * k), op.v128Store(16 * k));
    e(op.get(OUT), op.i32Const(dim * 4), op.i32Add, op.set(OUT));
  }
  e(op.get(IP), op.i32Const(4), op.i32Add, op.set(IP));
  e(op.get(L), op.i32Const(1), op.i32Add, op.set(L), op.br(0), op.end, op.end);
  if (pooling === 'sum') {
    for (let k = 0; k < V; k++) e(op.get(OUT), op.get(acc(k)), op.v128Store(16 * k));
    e(op.get(OUT), op.i32Const(dim * 4), op.i32Add, op.set(OUT));
  }
  e(op.get(B), op.i32Const(1), op.i32Add, op.set(B), op.br(0), op.end, op.end);
  e(op.i32Const(0), op.end);
  const locals = vec([[5, 0x7f], ...(pooling === 'sum' ? [[V, 0x7b]] : [])]);
  const body = [...locals, ...c];
  return [...uleb(body.length), ...body];
}

let bytesCache: Uint8Array | undefined;

function moduleBytes(): Uint8Array {
  if (bytesCache) return bytesCache;
  const kernels = KERNEL_DIMS.flatMap(d => (['sum', 'copy'] as const).map(p => ({ name: `${p}${d}`, dim: d, pooling: p })));
  const i32 = 0x7f;
  const type = section(1, vec([[0x60, ...vec([[i32], [i32], [i32], [i32], [i32]]), ...vec([[i32]])]]));
  // (import "env" "memory" (memory 1 65536 shared))
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65_536)]]));
  const funcs = section(3, vec(kernels.map(() => [0])));
  const exports = section(7, vec(kernels.map((k, i) => [...name(k.name), 0x00, ...uleb(i)])));
  const code = section(10, vec(kernels.map(k => kernelBody(k.dim, k.pooling))));
  bytesCache = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
  return bytesCache;
}

let compiled: object | undefined;

type KernelFn = (ids: number, count: number, lookups: number, out: number, rows: number) => number;

/** One thread's use of one table through the SIMD kernel: an instance and a claimed slot. */
export class WasmTableKernel {
  private released = false;
  private readonly ids: Int32Array;
  private readonly out: Float32Array;
  private readonly idsPtr: number;
  private readonly outPtr: number;

  private constructor(
    private readonly scratch: TableScratch,
    private readonly slot: number,
    private readonly fn: KernelFn,
    readonly dim: number,
    readonly lookups: number,
    readonly outPerItem: number,
  ) {
    const base = scratch.offset + slot * scratch.slotBytes;
    this.idsPtr = base;
    this.outPtr = base + scratch.idsBytes;
    const buf = scratch.memory.buffer;
    this.ids = new Int32Array(buf, this.idsPtr, scratch.chunk * lookups);
    this.out = new Float32Array(buf, this.outPtr, scratch.chunk * outPerItem);
  }

  /** A kernel for the table, or undefined (no SIMD kernel for this dim, or every slot taken). */
  static claim(scratch: TableScratch | undefined, dim: number, lookups: number, pooling: 'sum' | 'none'): WasmTableKernel | undefined {
    if (!scratch || !api || !(KERNEL_DIMS as readonly number[]).includes(dim)) return undefined;
    const outPerItem = pooling === 'sum' ? dim : lookups * dim;
    const control = new Int32Array(scratch.memory.buffer, scratch.control, Math.ceil(scratch.slots / 32));
    for (let slot = 0; slot < scratch.slots; slot++) {
      const word = slot >> 5;
      const bit = 1 << (slot & 31);
      const seen = Atomics.load(control, word);
      if (seen & bit) continue;
      if (Atomics.compareExchange(control, word, seen, seen | bit) !== seen) {
        slot--; // lost a race on this word: look at the same slot again
        continue;
      }
      compiled ??= new api.Module(moduleBytes());
      const instance = new api.Instance(compiled, { env: { memory: scratch.memory } });
      const fn = instance.exports[`${pooling === 'sum' ? 'sum' : 'copy'}${dim}`] as KernelFn;
      return new WasmTableKernel(scratch, slot, fn, dim, lookups, outPerItem);
    }
    return undefined;
  }

  /**
   * Pools items [0, count) of the batch for this table into `out` (row-major, `width` columns per
   * item, this table's at `outOffset`). Returns 0, or 1 + the index in `ids` of the first id out
   * of range (as the JavaScript kernel does).
   */
  run(ids: Int32Array, idsPerItem: number, idOffset: number, count: number, out: Float32Array, width: number, outOffset: number, rows: number): number {
    const { chunk } = this.scratch;
    const L = this.lookups;
    const w = this.outPerItem;
    const sIds = this.ids;
    const sOut = this.out;
    for (let c0 = 0; c0 < count; c0 += chunk) {
      const n = Math.min(chunk, count - c0);
      for (let b = 0; b < n; b++) {
        const src = (c0 + b) * idsPerItem + idOffset;
        for (let l = 0; l < L; l++) sIds[b * L + l] = ids[src + l]!;
      }
      const bad = this.fn(this.idsPtr, n, L, this.outPtr, rows);
      if (bad !== 0) {
        const k = (bad - 1 - this.idsPtr) / 4; // index into this chunk's ids
        return (c0 + Math.floor(k / L)) * idsPerItem + idOffset + (k % L) + 1;
      }
      for (let b = 0; b < n; b++) {
        const o = (c0 + b) * width + outOffset;
        const s = b * w;
        for (let j = 0; j < w; j++) out[o + j] = sOut[s + j]!;
      }
    }
    return 0;
  }

  /** Gives the slot back (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    const control = new Int32Array(this.scratch.memory.buffer, this.scratch.control, Math.ceil(this.scratch.slots / 32));
    Atomics.and(control, this.slot >> 5, ~(1 << (this.slot & 31)));
  }
}
