// How another peer is reached, in words: the badge's text and its tooltip, as message keys with
// their parameters (so both languages say the same thing).
import type { PathDto } from '../../src-shared/api';
import type { MessageKey, Params } from '../i18n';

export interface PathWords {
  label: { key: MessageKey; params?: Params };
  help: { key: MessageKey; params?: Params };
  /** "IPv4" or "IPv6": the family the path's datagrams travel in. */
  family: { key: MessageKey };
}

export function pathWords(path: PathDto): PathWords {
  return { ...kindWords(path), family: { key: path.family === 'ipv6' ? 'path.ipv6' : 'path.ipv4' } };
}

function kindWords(path: PathDto): Omit<PathWords, 'family'> {
  switch (path.kind) {
    case 'direct':
      return {
        label: { key: 'path.direct' },
        help:
          path.family === 'ipv6' && path.actual !== null
            ? { key: 'path.directIpv6Help', params: { actual: path.actual } }
            : { key: 'path.directHelp' },
      };
    case 'mapped':
      return { label: { key: 'path.mapped' }, help: { key: 'path.mappedHelp' } };
    case 'punched':
      return {
        label: { key: 'path.punched' },
        help:
          path.actual === null
            ? { key: 'path.punchedHelp' }
            : { key: 'path.punchedActualHelp', params: { actual: path.actual } },
      };
    case 'relayed':
      return path.via === null
        ? { label: { key: 'path.relayedUnknown' }, help: { key: 'path.relayedUnknownHelp' } }
        : {
            label: { key: 'path.relayed', params: { via: path.via } },
            help: { key: 'path.relayedHelp', params: { via: path.via } },
          };
  }
}
