/**
 * The embedding bag in WebAssembly SIMD, over a table that lives in its own shared
 * WebAssembly.Memory (see shared-tables.ts).
 *
 * Why: random rows of a table larger than the cache are bound by how many misses are in flight.
 * The JavaScript kernel spends ~100 scalar instructions per 32-float row (no SIMD, a bounds check
 * per load), so the CPU's reorder window holds only a few rows and its touch pass cannot overlap
 * the arithmetic; 8 f32x4 loads and adds per row leave the window room for ~20 rows, as a
 * vectorised C loop does. Measured on 1 GB tables here: JavaScript 1.3-1.8 GB/s, this kernel
 * 1.9-3.6 GB/s, a C gather-sum (cc -O2) 1.5-2.7 GB/s. Since then the kernel runs a touch pass
 * ahead of the sums (DEFAULT_VARIANT, kernelBody) and moves ids and pooled rows with unrolled
 * copies (gatherIds, copyOut): ×1.45-2.7 GB/s over the plain kernel (`npm run bench -- embedding-bag`).
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
export function scratchLayout(
  tableBytes: number,
  lookups: number,
  outPerItem: number,
): { offset: number; slotBytes: number; idsBytes: number; control: number; total: number } {
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
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  globalGet: (i: number) => [0x23, ...uleb(i)],
  globalSet: (i: number) => [0x24, ...uleb(i)],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32Eq: [0x46],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Xor: [0x73],
  v128Load: (offset: number) => [0xfd, ...uleb(0), 4, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(11), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, ...uleb(228)],
};

/**
 * How the kernel is generated. `prefetch` 0 is the original kernel (one row after the other, the
 * CPU's reorder window alone overlapping the misses).
 */
export interface BagKernelVariant {
  /**
   * Lookups ahead (in the chunk's id stream, across items) whose row gets an early ordinary load,
   * folded into a sink that is kept alive: WebAssembly has no prefetch instruction, so this is
   * how a miss is started early, as fbgemm's `_mm_prefetch` does. 0: none.
   */
  readonly prefetch: number;
  /** Early-load one word of every 64-byte line of that row ('all'), or of its first line only. */
  readonly lines: 'first' | 'all';
  /**
   * Touch pass: every `group` ids, a tight loop early-loads the rows of the next `group` ids
   * (a few instructions per row, so many more misses fit in the reorder window than when the
   * early loads are spread among the sums). 0 or absent: none.
   */
  readonly group?: number;
  /** How pooled rows leave the table's memory: an element loop, or unrolled per width (copyOut). Default 'unrolled'. */
  readonly copy?: 'loop' | 'unrolled';
}

/** The kernel before the early loads: kept for the micro-benchmark's side-by-side comparison. */
export const PLAIN_VARIANT: BagKernelVariant = { prefetch: 0, lines: 'all', copy: 'loop' };
/**
 * The kernel the engine uses: a touch pass every 64 ids over every line of the next 64 ids' rows.
 * Chosen with `npm run bench -- embedding-bag` (2026-12-05, tables 0.25 GB, batches of 256, GB/s
 * against the plain kernel in the same rounds): rmc1 ×1.8-1.9, rmc2 ×1.3-1.5, rmc3 ×1.8,
 * wnd ×1.3, din ×1.35; early loads interleaved with the sums (`prefetch` 16, first line) gave
 * ×1.6-2.0 on rmc1 but ×1.05 on wnd and din; see the README for the runs.
 */
export const DEFAULT_VARIANT: BagKernelVariant = { prefetch: 0, lines: 'all', group: 64 };

/** The largest early-load distance, in lookups. */
export const MAX_PREFETCH = 64;

const variantKey = (v: BagKernelVariant) => `${v.prefetch}:${v.lines}:${v.group ?? 0}`;

/**
 * (ids, count, lookups, out, rows) → 0, or 1 + the byte offset of the first id out of range.
 * Rows are at byte 0 of the memory, dim × 4 bytes each. `sum`: out gets count rows of dim floats,
 * each the sum of the item's rows in lookup order (f32x4 lanes: the same rounding as the scalar
 * kernel). `copy`: out gets count × lookups rows.
 *
 * With `variant.prefetch` D > 0, each lookup first loads a word of the row D ids further on (the
 * id is read unchecked and replaced by 0 when out of range, so the early load never leaves the
 * table; near the end of the chunk it reads whatever follows the ids in the slot, ≤ 4·D bytes
 * into the slot's output area, which is always larger), and a prologue does so for the first D.
 *
 * With `variant.group` G > 0 (the default), a touch pass: a prologue touches the rows of the first
 * G ids of the chunk, and whenever the summing loop reaches an id whose index is a multiple of G it
 * first touches the rows of the next G ids (never past the chunk's last id; out-of-range ids
 * clamped to row 0). Why a pass and not early loads among the sums: an ordinary load retires only
 * when its line has arrived, so misses overlap only within the reorder window; at ~30 instructions
 * per summed row (8 f32x4 loads and adds for dim 32) the window holds ~10 rows, while the touch
 * loop's ~10 instructions per row let several times as many misses be in flight.
 */
function kernelBody(dim: number, pooling: 'sum' | 'copy', variant: BagKernelVariant): number[] {
  const V = dim / 4;
  const [IDS, COUNT, LOOKUPS, OUT, ROWS, B, L, IP, R, P, Q, S, END, EA, TRIG, TP, TE] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  ] as const;
  const acc = (k: number) => 17 + k;
  const D = variant.prefetch;
  const G = variant.group ?? 0;
  if (!Number.isInteger(G) || G < 0 || G > 4096)
    throw new RangeError(`touch group ${G} is not an integer in [0, 4096]`);
  // The early loads of the last chunk read ≤ 4·D bytes past its ids: within the slot's output area
  // (≥ SCRATCH_CHUNK × 16 floats) as long as D stays small.
  if (!Number.isInteger(D) || D < 0 || D > MAX_PREFETCH)
    throw new RangeError(`prefetch distance ${D} is not an integer in [0, ${MAX_PREFETCH}]`);
  const lineOffsets = Array.from({ length: variant.lines === 'all' ? Math.ceil((dim * 4) / 64) : 1 }, (_, k) => 64 * k);
  const c: number[] = [];
  const e = (...parts: number[][]) => parts.forEach(p => c.push(...p));
  // s ^= word of each line of row select(q, 0, q <u rows), q the id at ip + offset
  const touch = (offset: number, base: number = IP) => {
    e(op.get(base), op.i32Load(offset), op.set(Q));
    e(
      op.get(Q),
      op.i32Const(0),
      op.get(Q),
      op.get(ROWS),
      op.i32LtU,
      op.select,
      op.i32Const(dim * 4),
      op.i32Mul,
      op.set(Q),
    );
    for (const o of lineOffsets) e(op.get(S), op.get(Q), op.i32Load(o), op.i32Xor, op.set(S));
  };
  e(op.get(IDS), op.set(IP), op.i32Const(0), op.set(B));
  if (D > 0) {
    // end = ids + min(count × lookups, D) × 4; touch each id in [ids, end)
    e(op.get(COUNT), op.get(LOOKUPS), op.i32Mul, op.set(END));
    e(
      op.get(END),
      op.i32Const(D),
      op.get(END),
      op.i32Const(D),
      op.i32LtU,
      op.select,
      op.i32Const(4),
      op.i32Mul,
      op.get(IDS),
      op.i32Add,
      op.set(END),
    );
    e(op.block, op.loop, op.get(IP), op.get(END), op.i32GeU, op.brIf(1));
    touch(0);
    e(op.get(IP), op.i32Const(4), op.i32Add, op.set(IP), op.br(0), op.end, op.end);
    e(op.get(IDS), op.set(IP));
  }
  // touch ids [tp, te)
  // touch ids [tp, te)
  const touchRange = () => {
    e(op.block, op.loop, op.get(TP), op.get(TE), op.i32GeU, op.brIf(1));
    touch(0, TP);
    e(op.get(TP), op.i32Const(4), op.i32Add, op.set(TP), op.br(0), op.end, op.end);
  };
  // te = min(te, ea)
  const clampTe = () => e(op.get(TE), op.get(EA), op.get(TE), op.get(EA), op.i32LtU, op.select, op.set(TE));
  if (G > 0) {
    e(op.get(COUNT), op.get(LOOKUPS), op.i32Mul, op.i32Const(4), op.i32Mul, op.get(IDS), op.i32Add, op.set(EA));
    e(op.get(IDS), op.tee(TRIG), op.set(TP), op.get(IDS), op.i32Const(4 * G), op.i32Add, op.set(TE));
    clampTe();
    touchRange();
  }
  e(op.block, op.loop, op.get(B), op.get(COUNT), op.i32GeU, op.brIf(1));
  if (pooling === 'sum') for (let k = 0; k < V; k++) e(op.v128Zero, op.set(acc(k)));
  e(op.i32Const(0), op.set(L));
  e(op.block, op.loop, op.get(L), op.get(LOOKUPS), op.i32GeU, op.brIf(1));
  if (D > 0) touch(4 * D);
  if (G > 0) {
    // every G ids: touch the next group's rows
    e(op.get(IP), op.get(TRIG), op.i32Eq, op.if);
    e(
      op.get(IP),
      op.i32Const(4 * G),
      op.i32Add,
      op.tee(TRIG),
      op.set(TP),
      op.get(IP),
      op.i32Const(8 * G),
      op.i32Add,
      op.set(TE),
    );
    clampTe();
    touchRange();
    e(op.end);
  }
  // r = ids[ip]; if (r >=u rows) return ip + 1
  e(
    op.get(IP),
    op.i32Load(),
    op.tee(R),
    op.get(ROWS),
    op.i32GeU,
    op.if,
    op.get(IP),
    op.i32Const(1),
    op.i32Add,
    op.ret,
    op.end,
  );
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
  // keep the early loads alive: global 0 ^= s
  if (D > 0 || G > 0) e(op.globalGet(0), op.get(S), op.i32Xor, op.globalSet(0));
  e(op.i32Const(0), op.end);
  const locals = vec([[12, 0x7f], ...(pooling === 'sum' ? [[V, 0x7b]] : [])]);
  const body = [...locals, ...c];
  return [...uleb(body.length), ...body];
}

const bytesCache = new Map<string, Uint8Array>();

function moduleBytes(variant: BagKernelVariant = DEFAULT_VARIANT): Uint8Array {
  const key = variantKey(variant);
  const cached = bytesCache.get(key);
  if (cached) return cached;
  const kernels = KERNEL_DIMS.flatMap(d =>
    (['sum', 'copy'] as const).map(p => ({ name: `${p}${d}`, dim: d, pooling: p })),
  );
  const i32 = 0x7f;
  const type = section(1, vec([[0x60, ...vec([[i32], [i32], [i32], [i32], [i32]]), ...vec([[i32]])]]));
  // (import "env" "memory" (memory 1 65536 shared))
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65_536)]]));
  const funcs = section(3, vec(kernels.map(() => [0])));
  // (global (mut i32) (i32.const 0)): the early loads' sink
  const globals = section(6, vec([[i32, 0x01, ...op.i32Const(0), ...op.end]]));
  const exports = section(7, vec(kernels.map((k, i) => [...name(k.name), 0x00, ...uleb(i)])));
  const code = section(10, vec(kernels.map(k => kernelBody(k.dim, k.pooling, variant))));
  const bytes = new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...type,
    ...imports,
    ...funcs,
    ...globals,
    ...exports,
    ...code,
  ]);
  bytesCache.set(key, bytes);
  return bytes;
}

const compiled = new Map<string, object>();

/** Copies n items of w floats from `src` (packed) to `out` (item b at o + b × width). */
type CopyOut = (out: Float32Array, o: number, width: number, src: Float32Array, n: number) => void;

const copies = new Map<number, CopyOut>();

/**
 * The copy of a chunk's pooled rows out of the table's memory, its inner loop fully unrolled per
 * width w (generated once per w with `new Function`, from numbers only). A plain element loop cost
 * ~38 ns per item of 32 floats here, the unrolled one ~11 ns (Node 20, measured with a scratch
 * script); for one-lookup tables (wnd, mtwnd, dien) that copy was most of the time per row.
 */
function copyOut(w: number): CopyOut {
  let f = copies.get(w);
  if (f) return f;
  const body =
    w <= 256
      ? Array.from({ length: w }, (_, j) => `out[o + ${j}] = src[s + ${j}];`).join(' ')
      : `for (let j = 0; j < ${w}; j++) out[o + j] = src[s + j];`;
  f = new Function(
    `return function copy${w}(out, o0, width, src, n) { for (let b = 0; b < n; b++) { const o = o0 + b * width; const s = b * ${w}; ${body} } };`,
  )() as CopyOut;
  copies.set(w, f);
  return f;
}

/** Packs n items' L ids into `dst` from `src` (item b's at s0 + b × stride). */
type GatherIds = (dst: Int32Array, src: Int32Array, s0: number, stride: number, n: number) => void;

const gathers = new Map<number, GatherIds>();

/** The ids' way into the table's memory, unrolled per lookups count as copyOut is per width. */
function gatherIds(L: number): GatherIds {
  let f = gathers.get(L);
  if (f) return f;
  const body =
    L <= 256
      ? Array.from({ length: L }, (_, j) => `dst[d + ${j}] = src[s + ${j}];`).join(' ')
      : `for (let j = 0; j < ${L}; j++) dst[d + j] = src[s + j];`;
  f = new Function(
    `return function gather${L}(dst, src, s0, stride, n) { for (let b = 0; b < n; b++) { const s = s0 + b * stride; const d = b * ${L}; ${body} } };`,
  )() as GatherIds;
  gathers.set(L, f);
  return f;
}

/** The gather as it was before gatherIds, for PLAIN_VARIANT. */
function gatherLoop(L: number): GatherIds {
  return (dst, src, s0, stride, n) => {
    for (let b = 0; b < n; b++) {
      const s = s0 + b * stride;
      for (let l = 0; l < L; l++) dst[b * L + l] = src[s + l]!;
    }
  };
}

/** The copy as it was before copyOut (an element loop), for PLAIN_VARIANT. */
function copyLoop(w: number): CopyOut {
  return (out, o0, width, src, n) => {
    for (let b = 0; b < n; b++) {
      const o = o0 + b * width;
      const s = b * w;
      for (let j = 0; j < w; j++) out[o + j] = src[s + j]!;
    }
  };
}

type KernelFn = (ids: number, count: number, lookups: number, out: number, rows: number) => number;

/** One thread's use of one table through the SIMD kernel: an instance and a claimed slot. */
export class WasmTableKernel {
  private released = false;
  private readonly ids: Int32Array;
  private readonly out: Float32Array;
  private readonly idsPtr: number;
  private readonly outPtr: number;
  private readonly copyOut: CopyOut;
  private readonly gatherIds: GatherIds;

  private constructor(
    private readonly scratch: TableScratch,
    private readonly slot: number,
    private readonly fn: KernelFn,
    readonly dim: number,
    readonly lookups: number,
    readonly outPerItem: number,
    copy: 'loop' | 'unrolled',
  ) {
    const base = scratch.offset + slot * scratch.slotBytes;
    this.idsPtr = base;
    this.outPtr = base + scratch.idsBytes;
    const buf = scratch.memory.buffer;
    this.ids = new Int32Array(buf, this.idsPtr, scratch.chunk * lookups);
    this.out = new Float32Array(buf, this.outPtr, scratch.chunk * outPerItem);
    this.copyOut = copy === 'loop' ? copyLoop(outPerItem) : copyOut(outPerItem);
    this.gatherIds = copy === 'loop' ? gatherLoop(lookups) : gatherIds(lookups);
  }

  /** A kernel for the table, or undefined (no SIMD kernel for this dim, or every slot taken). */
  static claim(
    scratch: TableScratch | undefined,
    dim: number,
    lookups: number,
    pooling: 'sum' | 'none',
    variant: BagKernelVariant = DEFAULT_VARIANT,
  ): WasmTableKernel | undefined {
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
      const key = variantKey(variant);
      let module = compiled.get(key);
      if (!module) compiled.set(key, (module = new api.Module(moduleBytes(variant))));
      const instance = new api.Instance(module, { env: { memory: scratch.memory } });
      const fn = instance.exports[`${pooling === 'sum' ? 'sum' : 'copy'}${dim}`] as KernelFn;
      return new WasmTableKernel(scratch, slot, fn, dim, lookups, outPerItem, variant.copy ?? 'unrolled');
    }
    return undefined;
  }

  /**
   * Pools items [0, count) of the batch for this table into `out` (row-major, `width` columns per
   * item, this table's at `outOffset`). Returns 0, or 1 + the index in `ids` of the first id out
   * of range (as the JavaScript kernel does).
   */
  run(
    ids: Int32Array,
    idsPerItem: number,
    idOffset: number,
    count: number,
    out: Float32Array,
    width: number,
    outOffset: number,
    rows: number,
  ): number {
    const { chunk } = this.scratch;
    const L = this.lookups;
    const sIds = this.ids;
    const sOut = this.out;
    for (let c0 = 0; c0 < count; c0 += chunk) {
      const n = Math.min(chunk, count - c0);
      this.gatherIds(sIds, ids, c0 * idsPerItem + idOffset, idsPerItem, n);
      const bad = this.fn(this.idsPtr, n, L, this.outPtr, rows);
      if (bad !== 0) {
        const k = (bad - 1 - this.idsPtr) / 4; // index into this chunk's ids
        return (c0 + Math.floor(k / L)) * idsPerItem + idOffset + (k % L) + 1;
      }
      this.copyOut(out, c0 * width + outOffset, width, sOut, n);
    }
    return 0;
  }

  /** Gives the slot back (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    const control = new Int32Array(
      this.scratch.memory.buffer,
      this.scratch.control,
      Math.ceil(this.scratch.slots / 32),
    );
    Atomics.and(control, this.slot >> 5, ~(1 << (this.slot & 31)));
  }
}
