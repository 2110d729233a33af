// The mutants of a region of a source file: one operator or constant changed on one line
// (=== to !==, < to <=, && to ||, / to *, true to false, a negation dropped, a `continue`/
// `break` removed, Math.max to Math.min, ...), outside strings and comments, or one statement
// removed. Shared by scripts/mutants.mjs (named regions) and scripts/mutation.mjs (folders).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Operator swaps: [pattern, replacement]. Applied one occurrence at a time. */
export const SWAPS = [
  [/===/g, '!=='], [/!==/g, '==='], [/<=/g, '<'], [/>=/g, '>'], [/ < /g, ' <= '], [/ > /g, ' >= '],
  [/&&/g, '||'], [/\|\|/g, '&&'], [/ \/ /g, ' * '], [/ \* /g, ' / '], [/ \+ /g, ' - '], [/ - /g, ' + '],
  [/\btrue\b/g, 'false'], [/\bfalse\b/g, 'true'], [/\bnull\b/g, 'undefined'], [/(?<![\w.])1\b(?!\.)/g, '0'], [/(?<![\w.])0\b(?!\.)/g, '1'],
  [/(?<=\()!(?=[\w(])/g, ''], [/(?<=[=&|] )!(?=[\w(])/g, ''], [/\bcontinue;/g, ';'], [/\bbreak;/g, ';'], [/\.isFile\(\)/g, '.isFile() || true'],
  [/\bMath\.max\b/g, 'Math.min'], [/\bMath\.min\b/g, 'Math.max'],
];

/** Spans of a line that are strings, template text or a trailing comment: no mutant there. */
function protectedSpans(line) {
  const spans = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '/' && line[i + 1] === '/') {
      spans.push([i, line.length]);
      break;
    }
    if (c === '"' || c === "'" || c === '`') {
      const start = i++;
      while (i < line.length && line[i] !== c) i += line[i] === '\\' ? 2 : 1;
      spans.push([start, i + 1]);
    } else if (c === '/' && /[(,=:!&|?]\s*$/.test(line.slice(0, i))) {
      const start = i++; // a regular expression literal
      while (i < line.length && line[i] !== '/') i += line[i] === '\\' ? 2 : 1;
      spans.push([start, i + 1]);
    }
    i++;
  }
  return spans;
}

export function mutantsOf(root, region) {
  const source = fs.readFileSync(path.join(root, region.file), 'utf8');
  const lines = source.split('\n');
  const start = lines.findIndex((l) => region.from.test(l));
  if (start < 0) throw new Error(`${region.name}: no line matches ${region.from} in ${region.file}`);
  let end = lines.findIndex((l, i) => i > start && region.to.test(l));
  if (end < 0) end = lines.length;
  const out = [];
  for (let n = start; n <= Math.min(end, lines.length - 1); n++) {
    const line = lines[n];
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*') || trimmed.startsWith('import ')) continue;
    const spans = protectedSpans(line);
    for (const [pattern, replacement] of SWAPS) {
      for (const m of line.matchAll(pattern)) {
        if (spans.some(([a, b]) => m.index >= a && m.index < b)) continue;
        const mutated = line.slice(0, m.index) + m[0].replace(new RegExp(pattern.source), replacement) + line.slice(m.index + m[0].length);
        if (mutated === line) continue;
        out.push({ region: region.name, file: region.file, line: n + 1, original: trimmed, mutated: mutated.trim(), source: [...lines.slice(0, n), mutated, ...lines.slice(n + 1)].join('\n') });
      }
    }
    if (/^\s*(return\b[^;]*;|[\w.]+\([^;]*\);)\s*$/.test(line) && !/^\s*return\s*;/.test(line)) {
      out.push({ region: region.name, file: region.file, line: n + 1, original: trimmed, mutated: '(statement removed)', source: [...lines.slice(0, n), '', ...lines.slice(n + 1)].join('\n') });
    }
  }
  return out;
}
