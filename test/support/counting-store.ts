// A real store that counts the rows each read hands out, to show how much of a chat a request reads.
import type { Store } from '../../src-main/core/ports.js';

const LIST_READS = new Set(['listMessages', 'listChats', 'listPeers']);
const LAZY_READS = new Set(['messagesAfter', 'messagesNewestFirst', 'chatsByActivity']);

export interface CountingStore<S extends Store> {
  store: S;
  /** Rows read since the last reset. */
  rowsRead(): number;
  reset(): void;
}

export function countRowsRead<S extends Store>(target: S): CountingStore<S> {
  let rows = 0;
  function* counted<T>(items: Iterable<T>): Generator<T, void, undefined> {
    for (const item of items) {
      rows++;
      yield item;
    }
  }
  const store = new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      if (LIST_READS.has(prop)) {
        return (...args: unknown[]) => {
          const result = value.apply(obj, args) as unknown[];
          rows += result.length;
          return result;
        };
      }
      if (LAZY_READS.has(prop))
        return (...args: unknown[]) => counted(value.apply(obj, args) as Iterable<unknown>);
      return value.bind(obj);
    },
  });
  return {
    store,
    rowsRead: () => rows,
    reset: () => {
      rows = 0;
    },
  };
}
