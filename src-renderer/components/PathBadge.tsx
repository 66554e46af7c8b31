// A small badge saying how another peer is reached (direct, hole punched, port mapped, relayed),
// with a tooltip explaining it. Nothing while the path is not known yet.
import type { PathDto } from '../../src-shared/api';
import { pathWords } from '../lib/path';
import { useT } from '../store/react';
import './PathBadge.css';

export function PathBadge({ path, testId }: { path: PathDto | null; testId: string }) {
  const t = useT();
  if (path === null) return null;
  const { label, help } = pathWords(path);
  return (
    <span
      className={`badge path-badge path-${path.kind}`}
      data-testid={testId}
      data-path={path.kind}
      title={t(help.key, help.params)}
    >
      {t(label.key, label.params)}
    </span>
  );
}
