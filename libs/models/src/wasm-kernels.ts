import type * as tf from '@tensorflow/tfjs-core';
import { tfjs } from './tfjs';

/**
 * Faster Slice, SplitV and Unpack kernels for the TF.js 4.22 wasm backend.
 *
 * Its Slice kernel starts with `backend.readSync(x)`, which copies the *whole* input out of the
 * WebAssembly heap for every slice; SplitV and Unpack call it once per piece. Measured here:
 * taking 64 rows of a [2560, 192] tensor cost 1.3 ms and unstacking a [40, 64, 192] tensor 55 ms
 * (DIEN's per-step inputs), against a few microseconds for the bytes actually moved. These
 * versions copy only the slice, reading the input through a view of the heap. Strings (not used
 * by the engine) go to the original kernels.
 */

type TypedArray = Float32Array | Int32Array | Uint8Array;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
}

function product(xs: readonly number[], from = 0, to = xs.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= xs[i]!;
  return p;
}

/** Copies the box [begin, begin + size) of x (row-major, shape `shape`) into out. */
export function copySlice(
  x: TypedArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: TypedArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return;
  }
  // Trailing dimensions taken whole merge into one contiguous run per outer index.
  let d = rank - 1;
  let inner = 1;
  while (d > 0 && begin[d] === 0 && size[d] === shape[d]) {
    inner *= shape[d]!;
    d--;
  }
  const run = size[d]! * inner;
  const outer = product(size, 0, d);
  const strides = shape.map((_, i) => product(shape, i + 1));
  const idx = new Array<number>(d).fill(0);
  let o = 0;
  for (let k = 0; k < outer; k++) {
    let off = begin[d]! * inner;
    for (let i = 0; i < d; i++) off += (begin[i]! + idx[i]!) * strides[i]!;
    out.set(x.subarray(off, off + run), o);
    o += run;
    for (let i = d - 1; i >= 0; i--) {
      if (++idx[i]! < size[i]!) break;
      idx[i] = 0;
    }
  }
}

function sliceInto(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  // Allocate first: growing the heap detaches earlier views of it.
  const out = backend.makeOutput(size, x.dtype);
  if (product(size) === 0) return out;
  copySlice(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

let installed = false;

/** Replaces the three kernels for the wasm backend in this thread's TF.js. Idempotent. */
export function installWasmKernelFixes(): void {
  if (installed) return;
  const tf = tfjs();
  const original = {
    slice: tf.getKernel(tf.Slice, 'wasm'),
    splitV: tf.getKernel(tf.SplitV, 'wasm'),
    unpack: tf.getKernel(tf.Unpack, 'wasm'),
  };
  if (!original.slice || !original.splitV || !original.unpack) return;
  installed = true;

  const slice: tf.KernelFunc = args => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.slice!.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    return sliceInto(args.backend as unknown as WasmBackendLike, x, b, s);
  };
  const splitV: tf.KernelFunc = args => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.splitV!.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map(n => {
      const size = [...x.shape];
      size[ax] = n;
      const out = sliceInto(args.backend as unknown as WasmBackendLike, x, [...begin], size);
      begin[ax]! += n;
      return out;
    });
  };
  const unpack: tf.KernelFunc = args => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return original.unpack!.kernelFunc(args);
    let axis = (args.attrs as unknown as { axis: number }).axis;
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const size = [...x.shape];
    size[axis] = 1;
    const begin = new Array<number>(x.shape.length).fill(0);
    return Array.from({ length: x.shape[axis]! }, (_, i) => {
      begin[axis] = i;
      const out = sliceInto(args.backend as unknown as WasmBackendLike, x, [...begin], size);
      // Same data, one rank less: relabel the shape as the original kernel does.
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    });
  };
  for (const [name, kernelFunc] of [
    [tf.Slice, slice],
    [tf.SplitV, splitV],
    [tf.Unpack, unpack],
  ] as const) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  }
}
