/**
 * docs/cli.md, the command-line reference, is what scripts/cliDocs.ts writes from the
 * commands in engine/cli/ and the training config's schema today: an option added, renamed
 * or with another help text, range or default makes it stale, and this test says how to
 * regenerate it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildProgram } from '../../engine/cli/main';
import { CONFIG_FIELDS, flagOf } from '../../engine/train/configFields';
import { CLI_DOCS_FILE, cliDocsMarkdown } from '../../scripts/cliDocs';

describe('docs/cli.md', () => {
  it('is the page scripts/cliDocs.ts generates (regenerate: node --import tsx scripts/cliDocs.ts)', () => {
    assert.equal(fs.readFileSync(CLI_DOCS_FILE, 'utf8'), cliDocsMarkdown());
  });

  it('names every command and every option of every command', () => {
    const page = cliDocsMarkdown();
    for (const command of buildProgram().commands) {
      assert.ok(page.includes(`## \`seqlab ${command.name()}\``), `a section for ${command.name()}`);
      for (const option of command.options) assert.ok(page.includes(`\`${option.long}`), `${command.name()} ${option.long}`);
    }
  });

  it('has a row for every training setting, with its VS Code setting', () => {
    const rows = cliDocsMarkdown().split('\n');
    for (const field of CONFIG_FIELDS) {
      const row = rows.find((line) => line.includes(`| \`${field.key}\` |`));
      assert.ok(row, `a row for ${field.key}`);
      const flag = flagOf(field);
      if (flag !== null) assert.ok(row.startsWith(`| \`--${flag}\` |`), `${field.key}: its flag`);
      if (field.setting) assert.ok(row.includes(`\`seqlab.train.${field.setting}\``), `${field.key}: its setting`);
    }
  });

  it('does not depend on the language of the environment', () => {
    const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    try {
      process.env.LC_ALL = 'zh_CN.UTF-8';
      process.env.LANG = 'zh_CN.UTF-8';
      assert.equal(cliDocsMarkdown(), fs.readFileSync(CLI_DOCS_FILE, 'utf8'));
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
