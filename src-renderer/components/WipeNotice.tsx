// The daily wipe as a visible event: a warning in the last ten minutes before it, and one line
// after it saying how many chats it took (for ten minutes).
import { countdown } from '../lib/format';
import { useNance, useT } from '../store/react';

/** How long before the wipe the warning shows, and how long after it the marker stays. */
export const WIPE_NOTICE_MS = 10 * 60_000;

export function WipeNotice() {
  const t = useT();
  const now = useNance((s) => s.now);
  const nextWipeAt = useNance((s) => (s.status?.mode === 'peer' ? s.status.nextWipeAt : null));
  const lastWipe = useNance((s) => s.lastWipe);
  if (nextWipeAt !== null && nextWipeAt > now && nextWipeAt - now <= WIPE_NOTICE_MS) {
    return (
      <div className="banner banner-warning" role="status" data-testid="wipe-warning">
        {t('wipe.warning', { time: countdown(nextWipeAt - now) })}
      </div>
    );
  }
  if (lastWipe && now - lastWipe.at < WIPE_NOTICE_MS) {
    return (
      <div className="banner banner-info" role="status" data-testid="wipe-done">
        {t('wipe.done', { count: lastWipe.chats })}
      </div>
    );
  }
  return null;
}
