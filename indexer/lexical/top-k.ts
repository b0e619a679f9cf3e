/**
 * The `k` best candidates by score, best first; ties go to the lower index so results are stable.
 * A bounded min-heap keeps this O(n log k) for the long candidate lists of common query terms.
 */
export function topK(candidates: ArrayLike<number>, scores: ArrayLike<number>, k: number): number[] {
  const better = (a: number, b: number): boolean => {
    const difference = (scores[a] as number) - (scores[b] as number);
    return difference > 0 || (difference === 0 && a < b);
  };
  const heap: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i] as number;
    if (heap.length < k) {
      heap.push(candidate);
      siftUp(heap, heap.length - 1, better);
    } else if (k > 0 && better(candidate, heap[0] as number)) {
      heap[0] = candidate;
      siftDown(heap, 0, better);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

// The heap root is the worst kept candidate.
function siftUp(heap: number[], index: number, better: (a: number, b: number) => boolean): void {
  let child = index;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!better(heap[parent] as number, heap[child] as number)) break;
    swap(heap, parent, child);
    child = parent;
  }
}

function siftDown(heap: number[], index: number, better: (a: number, b: number) => boolean): void {
  let parent = index;
  for (;;) {
    const left = 2 * parent + 1;
    const right = left + 1;
    let worst = parent;
    if (left < heap.length && better(heap[worst] as number, heap[left] as number)) worst = left;
    if (right < heap.length && better(heap[worst] as number, heap[right] as number)) worst = right;
    if (worst === parent) return;
    swap(heap, parent, worst);
    parent = worst;
  }
}

function swap(heap: number[], a: number, b: number): void {
  const value = heap[a] as number;
  heap[a] = heap[b] as number;
  heap[b] = value;
}
