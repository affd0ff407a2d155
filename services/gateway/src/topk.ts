/**
 * Indices of the k highest scores, best first; ties keep item order. A bounded
 * min-heap: O(n log k), no full sort for the usual small k.
 */
export function topK(scores: Float32Array, k: number): Uint32Array {
  const n = scores.length;
  k = Math.min(k, n);
  if (k <= 0) return new Uint32Array(0);
  const heap = new Uint32Array(k); // min-heap by (score asc, index desc): root is the weakest kept
  let size = 0;
  const weaker = (i: number, j: number) => scores[i]! < scores[j]! || (scores[i] === scores[j] && i > j);
  const siftUp = (p: number) => {
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!weaker(heap[p]!, heap[parent]!)) break;
      [heap[p], heap[parent]] = [heap[parent]!, heap[p]!];
      p = parent;
    }
  };
  const siftDown = (p: number) => {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < size && weaker(heap[l]!, heap[m]!)) m = l;
      if (r < size && weaker(heap[r]!, heap[m]!)) m = r;
      if (m === p) return;
      [heap[p], heap[m]] = [heap[m]!, heap[p]!];
      p = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      heap[size++] = i;
      siftUp(size - 1);
    } else if (weaker(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => scores[b]! - scores[a]! || a - b);
}
