/**
 * Layout of an inference thread's request slot (shared memory):
 * [dense float32 × maxItems·denseDim][ids int32 × maxItems·idsPerItem].
 * Its own module: the pool (main thread) and the thread both import it, and the
 * thread's module starts the thread when loaded.
 */
export function idsOffset(maxItems: number, denseDim: number): number {
  return maxItems * denseDim * 4;
}

export function inputBytes(maxItems: number, denseDim: number, idsPerItem: number): number {
  return idsOffset(maxItems, denseDim) + maxItems * idsPerItem * 4;
}
