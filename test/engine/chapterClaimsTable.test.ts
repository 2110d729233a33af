/**
 * docs/claims.md, the audit table of the chapter's claims, is what scripts/claimsTable.ts
 * writes from engine/chapter/claims.ts today: a claim added, renamed, re-sectioned or with
 * another rule or paraphrase makes it stale, and this test says how to regenerate it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CLAIMS } from '../../engine/chapter/claims';
import { claimsTableMarkdown } from '../../engine/chapter/claimsTable';
import { CLAIMS_TABLE_FILE } from '../../scripts/claimsTable';

describe('docs/claims.md', () => {
  it('is the table claims.ts generates (regenerate: node --import tsx scripts/claimsTable.ts)', () => {
    assert.equal(fs.readFileSync(CLAIMS_TABLE_FILE, 'utf8'), claimsTableMarkdown());
  });
  it('has a row for every claim, with its section, paraphrase and rule', () => {
    const table = claimsTableMarkdown();
    for (const c of CLAIMS) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${c.id}\` |`));
      assert.ok(row, `a row for ${c.id}`);
      assert.ok(row.startsWith(`| \`${c.id}\` | ${c.section} | `), `${c.id}: its section`);
      assert.ok(row.includes(c.statement.zh.replace(/\|/g, '\\|')), `${c.id}: its paraphrase`);
      assert.ok(row.includes(c.rule.en.replace(/\|/g, '\\|')), `${c.id}: its rule`);
      // Five columns: a pipe inside a cell is escaped.
      assert.equal(row.replace(/\\\|/g, '').split('|').length, 7, `${c.id}: five cells`);
    }
  });
});
