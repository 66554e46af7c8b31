// A binary min-heap: the simulated clock's timer queue.
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#lessAt(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.#lessAt(left, smallest)) smallest = left;
      if (right < items.length && this.#lessAt(right, smallest)) smallest = right;
      if (smallest === i) return top;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #lessAt(i: number, j: number): boolean {
    return this.#less(this.#items[i] as T, this.#items[j] as T);
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
