/**
 * The chapter's Markdown export escapes only what Markdown would read as markup (issue 38,
 * item 7: "3\.4 · products\-vanish"): every string here, rendered by markdown-it as a
 * paragraph, a heading, a list item and a table cell, shows exactly its own text.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { markdownText } from '../../engine/experiments/format';

const markdown = new MarkdownIt();
/** The text a reader sees: the rendered HTML's text, entities decoded. */
const seen = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim();

const tricky = [
  '3.4 · products-vanish: holds', 'h_t = (1 - z_t) * h_{t-1} + z_t * h~_t', '||dL/dc_t|| / ||dL/dh_t||, 30 back', '- a list? no', '# not a heading',
  '> not a quote', '1. not a list', '2) nor this', '+ plus', '= equals', 'a *b* c and 2*3*4', '_x_ and __y__ and snake_case_name', '`code` and \\ backslash',
  '[link](http://x) and ![img](y)', '<b>bold</b> & &amp; &#65;', '~~struck~~ ~0.5', 'p = 0.42 (0.30–0.51), 95.0%', '往回 30 步时，tanh 保留的梯度是 sigmoid 的 2.56 倍', 'ends with a backslash\\', '---', '===', '#hashtag', '-1.5 is negative', '3.4 · a section', '12. twelve', '- x', '#',
];

describe('Markdown text for the chapter export', () => {
  it('reads as prose: no backslash before a dot, a hyphen, a parenthesis or an underscore inside a word', () => {
    assert.equal(markdownText('3.4 · products-vanish'), '3.4 · products-vanish');
    assert.equal(markdownText('dL/dc_t (at step 80)'), 'dL/dc_t (at step 80)');
    assert.equal(markdownText('p = 0.42!'), 'p = 0.42!');
    assert.equal(markdownText('-1.5 and #3'), '-1.5 and #3');
    assert.equal(markdownText('1. first'), '1\\. first', 'what would start a list is escaped');
  });

  for (const [where, render] of [
    ['a paragraph', (s: string) => markdown.render(markdownText(s))],
    ['a heading', (s: string) => markdown.render(`## ${markdownText(s)}`)],
    ['a list item', (s: string) => markdown.render(`- ${markdownText(s)}`)],
    ['a blockquote in italics', (s: string) => markdown.render(`> *${markdownText(s)}*`)],
    ['a table cell', (s: string) => markdown.render(`| a | b |\n|---|---|\n| ${markdownText(s, { tableCell: true })} | x |`).replace(/<\/td>\s*<td>x<\/td>[\s\S]*/, '').replace(/^[\s\S]*<td>/, '')],
  ] as const) {
    it(`shows each tricky text exactly as it is in ${where}`, () => {
      for (const text of tricky) assert.equal(seen(render(text)), text, `${JSON.stringify(text)} -> ${JSON.stringify(markdownText(text))}`);
    });
  }

  it('puts a line break\'s text on the one line', () => {
    assert.equal(markdownText('a\nb'), 'a b');
  });
});
