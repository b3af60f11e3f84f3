/**
 * Matches `text` against a glob where `*` is any run of characters (also empty) and `?` exactly
 * one; everything else is literal (no regular expression is built, so nothing can be injected).
 * Anchored at both ends. Runs in O(pattern × text) at worst, without exponential backtracking.
 */
export function matchGlob(pattern: string, text: string): boolean {
  return matchGlobCounted(pattern, text).matched;
}

/**
 * {@link matchGlob} that also reports how many steps (loop iterations) the match took, so tests can
 * check the O(pattern × text) bound without timing anything.
 */
export function matchGlobCounted(pattern: string, text: string): { matched: boolean; steps: number } {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let textAtStar = 0;
  let steps = 0;
  while (t < text.length) {
    steps += 1;
    const char = pattern[p];
    if (char === "*") {
      starAt = p;
      textAtStar = t;
      p += 1;
    } else if (char !== undefined && (char === "?" || char === text[t])) {
      p += 1;
      t += 1;
    } else if (starAt !== -1) {
      p = starAt + 1;
      textAtStar += 1;
      t = textAtStar;
    } else {
      return { matched: false, steps };
    }
  }
  while (pattern[p] === "*") {
    steps += 1;
    p += 1;
  }
  return { matched: p === pattern.length, steps };
}
