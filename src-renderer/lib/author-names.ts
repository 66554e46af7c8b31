// Which names in a chat are used by more than one author: two different keys, or a key and an
// unsigned post (anyone can type a name; only a key says who wrote it).
import type { MessageDto } from '../../src-shared/api';

/** Who wrote a message as far as the window can tell: the key, or "unsigned". */
const writerOf = (m: MessageDto) => m.author?.key ?? 'unsigned';

/** The names (trimmed) that more than one writer used among `messages`. */
export function contestedNames(messages: readonly MessageDto[]): Set<string> {
  const writers = new Map<string, Set<string>>();
  for (const m of messages) {
    const name = m.name.trim();
    const set = writers.get(name) ?? new Set<string>();
    set.add(writerOf(m));
    writers.set(name, set);
  }
  const contested = new Set<string>();
  for (const [name, set] of writers) if (set.size > 1) contested.add(name);
  return contested;
}
