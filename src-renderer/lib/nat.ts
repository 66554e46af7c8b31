// NAT type names in the window's language. Types come from the network (a peer's announcement) or
// from our own detection; a name outside the protocol's list is shown as sent, never translated.
import { NAT_TYPES } from '../../src-shared/protocol/limits';
import type { MessageKey } from '../i18n';

/** The dictionary key of a known NAT type, or null for anything else. */
export function natKey(type: string): MessageKey | null {
  return (NAT_TYPES as readonly string[]).includes(type) ? (`nat.${type}` as MessageKey) : null;
}
