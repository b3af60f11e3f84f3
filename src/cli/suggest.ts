/**
 * Edit distance with adjacent transpositions counted as one edit (`--prot` → `--port` is 1).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `written` when it is close enough to be a typo (or a prefix of exactly
 * one candidate); undefined otherwise.
 */
export function suggest(written: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((candidate) => written.length >= 3 && candidate.startsWith(written));
  if (prefixed.length === 1) return prefixed[0];
  const core = written.replace(/^-+/, "");
  // One or two letters (`-x`) are too short to tell a typo from another word.
  if (core.length < 3) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(core.length / 3)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(written, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
