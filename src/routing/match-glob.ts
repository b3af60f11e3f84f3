/**
 * Matches `text` against a glob where `*` is any run of characters (also empty) and `?` exactly
 * one; everything else is literal (no regular expression is built, so nothing can be injected).
 * Anchored at both ends. Runs in O(pattern × text) at worst, without exponential backtracking.
 */
export function matchGlob(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let textAtStar = 0;
  while (t < text.length) {
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
      return false;
    }
  }
  while (pattern[p] === "*") p += 1;
  return p === pattern.length;
}
