/**
 * Every string the extension shows exists in English and Chinese: each literal passed to
 * `vscode.l10n.t` (or its alias `t`) in extension/ has an entry in l10n/bundle.l10n.zh-cn.json,
 * and every package.nls.json key has a zh-cn one. Found with the TypeScript parser, so a
 * string added without its translation fails here, not in front of a student.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CJK = /[\u3400-\u9fff]/;

/**
 * The first-argument literals of every `t(...)`, `l10n.t(...)` and `vscode.l10n.t(...)` call in
 * a file. (A scanner for quoted literals: this project's TypeScript is the native compiler,
 * which has no parser API.)
 */
function localisedLiterals(file: string): string[] {
  const code = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  const call = /(?<![\w.])(?:vscode\.)?(?:l10n\.)?t\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1\s*[,)]/g;
  for (const m of code.matchAll(call)) {
    if (m[1] === '`' && m[2].includes('${')) continue; // not a literal
    found.push(m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
  }
  return found;
}

test('every l10n string of the extension has a Chinese translation', () => {
  const bundle = JSON.parse(fs.readFileSync(path.join(ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  const dir = path.join(ROOT, 'extension');
  const strings = new Set((fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).flatMap((f) => localisedLiterals(path.join(dir, f))));
  assert.ok(strings.size > 100, `only ${strings.size} localised strings found: the scan is broken`);
  const missing = [...strings].filter((s) => !(s in bundle));
  assert.deepEqual(missing, [], `strings without a zh-cn translation:\n${missing.join('\n')}`);
  // A translation with no Chinese character in it, for an English text of words, was not translated.
  const untranslated = [...strings].filter((s) => /[a-z]{3,} [a-z]{2,}/i.test(s) && !CJK.test(bundle[s]));
  assert.deepEqual(untranslated, [], `zh-cn entries that are the English text:\n${untranslated.join('\n')}`);
  // Placeholders survive translation: {0}, {1}... appear in both.
  for (const s of strings) {
    const want = (s.match(/\{\d\}/g) ?? []).sort().join();
    const got = (bundle[s].match(/\{\d\}/g) ?? []).sort().join();
    assert.equal([...new Set(got.split(','))].join(), [...new Set(want.split(','))].join(), `placeholders of "${s}" differ in zh-cn: "${bundle[s]}"`);
  }
});

test('every package.nls.json key has a zh-cn entry', () => {
  const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const zh = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), []);
  assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'zh-cn keys that English does not have');
});

test('every walkthrough page exists in English and Chinese', () => {
  const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const zh = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
  const pages = Object.keys(en).filter((k) => k.endsWith('.markdown'));
  // One per walkthrough step: every step has its page.
  const steps = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { walkthroughs: Array<{ steps: unknown[] }> } }).contributes.walkthroughs.flatMap((w) => w.steps);
  assert.equal(pages.length, steps.length);
  for (const key of pages) {
    assert.notEqual(en[key], zh[key], `${key}: the same page in both languages`);
    for (const file of [en[key], zh[key]]) assert.ok(fs.existsSync(path.join(ROOT, file)), `${key}: ${file} is missing`);
    assert.match(fs.readFileSync(path.join(ROOT, zh[key]), 'utf8'), CJK, `${zh[key]} is not Chinese`);
  }
});
