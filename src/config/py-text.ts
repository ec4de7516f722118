/**
 * Python's idea of whitespace, which botocore's configparser strips with, for the config readers.
 */

// Python's str.strip() and the `\s` in configparser's regexes use str.isspace(), which differs
// from JavaScript's trim() in a few code points (\x1c-\x1f, \x85, \uFEFF). Char-code tests
// rather than regexes: this runs on every line, and populate rescans files of thousands of lines.
export function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

export function leadingSpaceLength(s: string): number {
  let i = 0;
  while (i < s.length && isPySpace(s.charCodeAt(i))) i++;
  return i;
}

export function trimEndPy(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

export function pyStrip(s: string): string {
  return trimEndPy(s.slice(leadingSpaceLength(s)));
}

export function leadingSpace(s: string): string {
  return s.slice(0, leadingSpaceLength(s));
}

// str.splitlines() breaks lines at these as well as at \n, \r and \r\n; botocore's _parse_nested
// splits a nested block with it.
export const PY_EXTRA_LINE_BREAKS = /[\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/;

const PY_LINE_BREAK = new RegExp(`\\r\\n|[\\n\\r]|${PY_EXTRA_LINE_BREAKS.source}`);

/** str.splitlines()'s pieces (a last empty piece included, which callers skip as a blank line). */
export function pySplitLines(text: string): string[] {
  return text.split(PY_LINE_BREAK);
}
