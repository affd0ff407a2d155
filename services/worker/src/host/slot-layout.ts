/**
 * Layout of an inference thread's request slot (shared memory):
 * [dense float32 × maxItems·denseDim][ids int32 × maxItems·idsPerItem], and an output of
 * float32 × maxItems. Its own module: the pool (main thread) and the thread both import it, and the
 * thread's module starts the thread when loaded. Placement counts these bytes with
 * requestSlotBytes (@hera/hera); slot-layout.test.ts checks the two agree.
 */
export function idsOffset(maxItems: number, denseDim: number): number {
  return maxItems * denseDim * 4;
}

export function inputBytes(maxItems: number, denseDim: number, idsPerItem: number): number {
  return idsOffset(maxItems, denseDim) + maxItems * idsPerItem * 4;
}

export function outputBytes(maxItems: number): number {
  return maxItems * 4;
}
