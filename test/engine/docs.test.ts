/**
 * The README, the CHANGELOG and docs/*.md name only what exists: every relative link (and the heading it
 * points to), every file or folder path, every `npm run` script, every "SeqLab: ..." command
 * title and every `seqlab.*` setting or command. And docs/architecture.md is checked against
 * the tree as layers.test.ts checks the imports: every folder it names exists, every top-level
 * source folder and every folder of engine/ has its section, and the engine's layers are in
 * LAYERS' order (read from layers.test.ts, which enforces it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  contributes: { commands: Array<{ command: string; title: string; category?: string }>; configuration: { properties: Record<string, unknown> } };
};
const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;

/** The documents checked: README.md, CHANGELOG.md and every page of docs/. */
export const DOCS = ['README.md', 'CHANGELOG.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** A document's text (code blocks included: a command in them must exist too). */
const textOf = (doc: string) => read(doc);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}
const anchorsOf = (doc: string) => new Set([...textOf(doc).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));

/** [text](target) and ![alt](target) links outside code spans. */
export function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** Paths the text names: `engine/train/config.ts`, test/vscode/zh-cn-pack, docs/cli.md... */
export function pathsOf(text: string): string[] {
  const found = new Set<string>();
  // A file name with a folder and an extension, anywhere.
  for (const m of text.matchAll(/(?<![\w./~:-])((?:\.?[\w-]+\/)+[\w.-]*\w\.(?:ts|mts|mjs|js|py|json|md|sh|css|svg|png))\b/g)) found.add(m[1]);
  // A code span that starts at a top-level folder of the repository: a file or a folder.
  for (const m of text.matchAll(/`((?:engine|extension|webview|wasm|media|l10n|scripts|test|bench|docs|\.ci)\/[^`\s]*)`/g)) found.add(m[1]);
  // Placeholders, globs and build outputs are not paths in the tree.
  return [...found].filter((p) => !/[<>*{}[\]]|\.\.\./.test(p) && !/^(dist|out|node_modules|screenshots)\//.test(p)).map((p) => p.replace(/[.,:;]$/, ''));
}

/** `npm run X`, `npm test`, `npm start`. */
export function scriptsOf(text: string): string[] {
  return [...text.matchAll(/\bnpm (?:run(?:-script)? ([\w:-]+)|(test|start)\b)/g)].map((m) => m[1] ?? m[2]);
}

/** Every "SeqLab: Title" of the manifest's commands, as the palette shows them. */
const TITLES = pkg.contributes.commands.map((c) => `${c.category ?? 'SeqLab'}: ${c.title.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? key)}`);
/** Each "SeqLab: " in a text, with the title it begins (undefined when no command's title begins there). */
export function commandTitlesOf(text: string, titles: readonly string[] = TITLES): Array<{ at: string; title?: string }> {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return [...flat.matchAll(/SeqLab: /g)].map((m) => {
    const rest = flat.slice(m.index);
    // The longest title that the text continues with ("Train on Files…" before "Train on File...").
    const title = titles.filter((t) => rest.startsWith(t)).sort((a, b) => b.length - a.length)[0];
    return { at: rest.slice(0, 60), title };
  });
}

/** `seqlab.*` names: settings, setting groups (`seqlab.torch.*`, `seqlab.train.`) and command ids; not file names (seqlab.json). */
export function settingNamesOf(text: string): string[] {
  return [...text.matchAll(/(?<![\w/.-])seqlab(?:\.[\w*]+)+(?:\.(?=`))?/g)].map((m) => m[0]).filter((name) => !/\.(json|vsix|py|js|ts|git|lock)$/.test(name));
}
const SETTINGS = Object.keys(pkg.contributes.configuration.properties);
const COMMAND_IDS = pkg.contributes.commands.map((c) => c.command);
const known = (name: string) => {
  const prefix = name.endsWith('.*') ? name.slice(0, -1) : name.endsWith('.') ? name : undefined;
  return prefix !== undefined ? SETTINGS.some((s) => s.startsWith(prefix)) : SETTINGS.includes(name) || COMMAND_IDS.includes(name);
};

describe('the README and docs/', () => {
  it('are the documents expected', () => {
    for (const doc of ['README.md', 'docs/guide.md', 'docs/cli.md', 'docs/claims.md', 'docs/benchmarks.md', 'docs/architecture.md', 'docs/testing.md', 'docs/contributing.md', 'CHANGELOG.md']) {
      assert.ok(fs.existsSync(path.join(ROOT, doc)), `${doc} exists`);
    }
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const link of linksOf(textOf(doc))) {
        if (/^[a-z][\w+.-]*:/i.test(link)) continue; // https:, mailto:, command:
        const [file, anchor] = link.split('#');
        const target = file ? path.join(path.dirname(doc), decodeURI(file)) : doc;
        if (!fs.existsSync(path.join(ROOT, target))) broken.push(`${doc}: ${link} (no ${target})`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(target).has(anchor)) broken.push(`${doc}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('name only files and folders that exist', () => {
    const missing = DOCS.flatMap((doc) => pathsOf(textOf(doc)).filter((p) => !fs.existsSync(path.join(ROOT, p))).map((p) => `${doc}: ${p}`));
    assert.deepEqual(missing, []);
  });

  it('name only npm scripts package.json has', () => {
    const missing = DOCS.flatMap((doc) => scriptsOf(textOf(doc)).filter((s) => !(s in pkg.scripts)).map((s) => `${doc}: npm run ${s}`));
    assert.deepEqual(missing, []);
  });

  it('name only commands the palette has ("SeqLab: ..." titles)', () => {
    const unknown = DOCS.flatMap((doc) => commandTitlesOf(textOf(doc)).filter((c) => !c.title).map((c) => `${doc}: "${c.at}..."`));
    assert.deepEqual(unknown, []);
  });

  it('name only settings and commands the manifest has (seqlab.*)', () => {
    const unknown = DOCS.flatMap((doc) => settingNamesOf(textOf(doc)).filter((n) => !known(n)).map((n) => `${doc}: ${n}`));
    assert.deepEqual(unknown, []);
  });

  it('README: install, first run and test on the first screen, under 150 lines', () => {
    const readme = textOf('README.md');
    const lines = readme.split('\n');
    assert.ok(lines.length <= 150, `README.md has ${lines.length} lines`);
    const firstScreen = lines.slice(0, 60).join('\n');
    assert.match(firstScreen, /npm ci && npm run package/, 'install from source');
    assert.match(firstScreen, /code --install-extension seqlab\.vsix/, 'install the .vsix');
    assert.match(readme, /^npm test$/m, 'the test command CI runs (.ci/run)');
    assert.match(read('.ci/run'), /^npm test$/m, '.ci/run still runs npm test');
    assert.ok(linksOf(firstScreen).some((l) => /^media\/readme\/.+\.png$/.test(l)), 'a screenshot from media/readme/');
  });

  it('README: the commands table names every palette command, the settings table every setting', () => {
    const readme = textOf('README.md');
    const tableRows = readme.split('\n').filter((line) => line.startsWith('|'));
    const hidden = new Set(((pkg.contributes as unknown as { menus: { commandPalette?: Array<{ command: string; when: string }> } }).menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    for (const c of pkg.contributes.commands) {
      if (hidden.has(c.command)) continue;
      const title = c.title.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? key);
      assert.ok(tableRows.some((row) => row.includes(`SeqLab: ${title}`)), `README's commands table has SeqLab: ${title}`);
    }
    for (const setting of SETTINGS) assert.ok(tableRows.some((row) => row.includes(`\`${setting}\``)), `README's settings table has ${setting}`);
  });
});

describe('the docs test itself', () => {
  it('finds links, paths, scripts, titles and settings (and flags what does not exist)', () => {
    const text = [
      'See [the guide](docs/guide.md#training) and ![shot](media/readme/nothing.png).',
      'Edit `engine/train/config.ts` or engine/nowhere/gone.ts; not `dist/cli.js` nor `test/fixtures/rnn/*.json`.',
      'Run `npm run test:unit`, `npm run no-such-script` and npm test.',
      '**SeqLab: Train on Files…**, SeqLab: Train on\nSelection, and SeqLab: Fly Away.',
      '`seqlab.train.minutes`, `seqlab.torch.*`, `seqlab.train.`, seqlab.json, `seqlab.nothing`, seqlab.units.',
    ].join('\n');
    assert.deepEqual(linksOf(text), ['docs/guide.md#training', 'media/readme/nothing.png']);
    assert.deepEqual(pathsOf(text).sort(), ['docs/guide.md', 'engine/nowhere/gone.ts', 'engine/train/config.ts', 'media/readme/nothing.png']);
    assert.deepEqual(scriptsOf(text), ['test:unit', 'no-such-script', 'test']);
    assert.deepEqual(commandTitlesOf(text).map((c) => c.title), ['SeqLab: Train on Files…', 'SeqLab: Train on Selection', undefined]);
    assert.deepEqual(settingNamesOf(text), ['seqlab.train.minutes', 'seqlab.torch.*', 'seqlab.train.', 'seqlab.nothing', 'seqlab.units']);
    assert.deepEqual(settingNamesOf(text).filter((n) => !known(n)), ['seqlab.nothing']);
    assert.equal(slug('The `seqlab train` command, step 1'), 'the-seqlab-train-command-step-1');
  });
});

/** The engine's layers, bottom first, as test/engine/layers.test.ts declares and enforces them. */
function layers(): string[] {
  const m = /const LAYERS = \[([^\]]*)\]/.exec(read('test/engine/layers.test.ts'));
  assert.ok(m, 'layers.test.ts declares LAYERS');
  return [...m[1].matchAll(/'([\w-]+)'/g)].map((x) => x[1]);
}

const IGNORED = new Set(['node_modules', 'dist', 'out', 'screenshots', 'test-results', '__pycache__']);
const SOURCE = /\.(ts|mts|mjs|js|py|sh)$/;
function holdsSources(dir: string): boolean {
  return fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? !IGNORED.has(e.name) && holdsSources(path.join(dir, e.name)) : SOURCE.test(e.name)));
}
/** Folders with source files, top level and under engine/ ("engine/core"). */
function sourceFolders(): string[] {
  const under = (parent: string) => fs.readdirSync(path.join(ROOT, parent), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !IGNORED.has(e.name) && holdsSources(path.join(ROOT, parent, e.name)))
    .map((e) => (parent === '.' ? e.name : `${parent}/${e.name}`));
  return [...under('.'), ...under('engine')];
}

describe('docs/architecture.md', () => {
  const page = () => textOf('docs/architecture.md');
  /** The folders with a section: "### `engine/core/`" gives engine/core. */
  const sections = () => [...page().matchAll(/^###\s+`([^`]+)\/`\s*$/gm)].map((m) => m[1]);

  it('names only folders that exist', () => {
    const missing = sections().filter((folder) => !fs.statSync(path.join(ROOT, folder), { throwIfNoEntry: false })?.isDirectory());
    assert.deepEqual(missing, []);
  });

  it('has a section for every top-level source folder and every folder of engine/', () => {
    const named = new Set(sections());
    assert.deepEqual(sourceFolders().filter((folder) => !named.has(folder)), []);
  });

  it('lists the engine\'s layers in the order layers.test.ts enforces, bottom first', () => {
    const engine = sections().filter((s) => s.startsWith('engine/')).map((s) => s.slice('engine/'.length));
    assert.deepEqual(engine, layers());
  });
});
