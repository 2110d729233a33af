/**
 * The audit table of the chapter's claims (docs/claims.md), generated from claims.ts by
 * scripts/claimsTable.ts: for each claim its id, section, what the chapter says in SeqLab's
 * words, what is run to test it and the rule that turns the runs into a verdict; and the
 * words the rules share (vocabulary.ts). No verdicts: those come from the runs
 * (`seqlab chapter`). test/engine/chapterClaimsTable.test.ts fails when the file is stale.
 */
import { CHAPTER_RUNS, CLAIMS, type Claim } from './claims';
import { TERMS } from './vocabulary';

/** A table cell: pipes escaped, no line breaks. */
const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A threshold as the rules write it: 0.05, 1, 1e-3, 3.4e38. */
const number = (v: number) => (v >= 0.01 && v < 1e6 ? String(v) : v.toExponential(1).replace(/\.0e/, 'e').replace('e+', 'e'));

/** What a claim runs: each chapter run as `experiment {settings of the full check}`, or what it computes itself. */
function tested(c: Claim): string {
  const runs = c.runs.map((id) => {
    const run = CHAPTER_RUNS[id];
    const settings = Object.entries(run.full).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    return `\`${run.experiment}\`${settings ? ` (${settings})` : ''}`;
  });
  if (c.measures?.length) runs.push(`computed on one cell, float64 (${c.measures.map((m) => `\`${m}\``).join(', ')})`);
  return runs.length ? runs.join('; ') : 'computed on one cell, float64 (no experiment run)';
}

export function claimsTableMarkdown(): string {
  const lines = [
    '# The chapter\'s claims, as SeqLab checks them',
    '',
    '<!-- Generated from engine/chapter/claims.ts by `node --import tsx scripts/claimsTable.ts`; do not edit by hand (a test fails when this file is stale). -->',
    '',
    'Each claim of the chapter 优化RNN (sections 3.4-3.7) in SeqLab\'s words (a paraphrase, never the book\'s text; where the chapter is wrong, the paraphrase keeps what it says), what `seqlab chapter` runs to test it (the full check\'s settings; the quick check runs one seed) and the rule that turns the runs into a verdict. The verdicts themselves come from the runs: `seqlab chapter --markdown`.',
    '',
    '## Words',
    '',
    'Each defined once (engine/chapter/vocabulary.ts) and used by every rule that says it:',
    '',
    '| word | threshold | relative to | definition |',
    '|---|---|---|---|',
    ...Object.values(TERMS).map((t) => `| ${t.word.en} (${t.word.zh}) | ${number(t.threshold)} | ${'of' in t ? cell(t.of.en) : 'absolute'} | ${cell(t.legend.en)} |`),
    '',
    '## Claims',
    '',
    '| claim | section | the chapter says (in our words) | tested by | rule |',
    '|---|---|---|---|---|',
    ...CLAIMS.map((c) => `| \`${c.id}\` | ${c.section} | ${cell(c.statement.zh)}<br>${cell(c.statement.en)} | ${cell(tested(c))} | ${cell(c.rule.en)} |`),
  ];
  return `${lines.join('\n')}\n`;
}
