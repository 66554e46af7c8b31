// Bootstrap mode from the tray: the checkbox asks for a mode, the service switches the peer's role
// and persists it in the store (the next start uses it). The window is not told here: the service
// emits 'modeChanged' (and 'statusChanged'), which reaches the window like every event, and the
// tray menu is rebuilt from the same event.
import type { Mode } from '../../../src-shared/api.js';

/** What the rule needs of NanceService. */
export interface ModeService {
  /** Persists the mode and switches the peer's role; emits 'modeChanged'. */
  setMode(mode: Mode): void;
  status(): { mode: Mode };
}

export type ModeSwitchResult = { ok: true; mode: Mode } | { ok: false; mode: Mode; error: string };

/**
 * Switches to bootstrap mode when `bootstrap` is true, to peer mode when false, and flips the
 * current mode when it is omitted. Returns the mode the peer is in afterwards. Never throws: a
 * failure leaves the mode as it was and says why.
 */
export function switchBootstrapMode(service: ModeService, bootstrap?: boolean): ModeSwitchResult {
  const current = service.status().mode;
  const wanted: Mode = (bootstrap ?? current !== 'bootstrap') ? 'bootstrap' : 'peer';
  if (wanted === current) return { ok: true, mode: current };
  try {
    service.setMode(wanted);
    return { ok: true, mode: service.status().mode };
  } catch (err) {
    return {
      ok: false,
      mode: safeMode(service, current),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

function safeMode(service: ModeService, fallback: Mode): Mode {
  try {
    return service.status().mode;
  } catch {
    return fallback;
  }
}
