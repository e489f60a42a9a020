import type { DiffLine } from '../../lib/diff';

/** A unified diff with its added lines green and removed lines red (the dry run's live → new, or a conflict's texts). */
export function DiffView({ lines, testId, maxHeight = 360 }: { lines: DiffLine[]; testId?: string; maxHeight?: number }) {
  return (
    <pre className="kd-diff kd-mono" style={{ maxHeight }} data-testid={testId}>
      {lines.map((l, i) => (
        <div key={i} className={`kd-diff-${l.kind}`}>
          {l.text || ' '}
        </div>
      ))}
    </pre>
  );
}
