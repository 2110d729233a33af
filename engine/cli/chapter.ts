/** `seqlab chapter [--quick] [--json]`: every claim of the chapter checked by the experiments, with a verdict across seeds. */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { initBackend, type BackendName } from '../core/backend';
import { langFromEnv, LANGS, translator, type Lang } from '../core/lang';
import { terminalSafe } from '../io/safeText';
import { checkChapter, type ChapterCheck } from '../chapter/check';
import { chapterFigureFiles, chapterSummary, claimsMarkdown, figureFolderFor, folderCache, verdictWord, vocabularyLegend } from '../chapter/judge';
import { checkOwnedFiles, ownedText, writeOwnedFiles } from '../io/files';
import { interruptSignal, logLine, printJSON } from './output';
import { backendOption, workerCount } from './options';

interface ChapterFlags { quick?: boolean; json?: boolean; markdown?: boolean | string; cache: boolean; cacheDir?: string; workers?: number; backend?: BackendName; lang: Lang }

/** Where results are kept between checks: $XDG_CACHE_HOME/seqlab/chapter, else ~/.cache/seqlab/chapter. */
export const defaultChapterCache = () => path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'seqlab', 'chapter');

function printReport(check: ChapterCheck, lang: Lang): void {
  const tr = translator(lang);
  for (const c of check.claims) {
    console.log(terminalSafe(`\n${c.section}  ${c.id}: ${verdictWord(c.verdict, tr).toUpperCase()}${check.quick ? tr(' (preliminary)', '（初步）') : ''}`));
    console.log(terminalSafe(`  ${c.paraphrase}`));
    console.log(terminalSafe(`  ${c.gloss}`));
    console.log(terminalSafe(`  ${c.evidence}`));
    for (const condition of c.conditions) console.log(terminalSafe(`  - ${condition}`));
  }
  // The words the rules use, each defined once (engine/chapter/vocabulary.ts).
  console.log(`\n${tr('Words:', '用语：')}`);
  for (const line of vocabularyLegend(tr)) console.log(`  ${line}`);
  console.log(`\n${chapterSummary(check.claims, check.quick, tr)}`);
}

/**
 * The Markdown at `file`, its figures as SVG files in the folder `FILE-figures` beside it.
 * Written as every file SeqLab writes where the user chose (engine/io/files.ts): each file
 * starts with SeqLab's comment line holding the SHA-256 of the rest, so the next check
 * replaces the report and figures it wrote, unedited, and refuses anything else at those
 * names (the user's own file, an edited report, a FIFO, a device, a link, a folder).
 * Nothing is replaced before every file is written whole; on failure nothing is left.
 */
export function writeMarkdown(file: string, check: Pick<ChapterCheck, 'claims' | 'quick' | 'figures'>, lang: Lang, chunk?: number): void {
  const tr = translator(lang);
  const folderName = figureFolderFor(file);
  const folder = path.join(path.dirname(file), folderName);
  const figures = chapterFigureFiles(check.figures, lang).map((f) => ({ file: path.join(folder, f.name), data: ownedText(f.svg, 'seqlab chapter') }));
  const markdown = { file, data: ownedText(claimsMarkdown(check.claims, check.quick, lang, { figures: check.figures, folder: folderName }), 'seqlab chapter') };
  writeOwnedFiles([...figures, markdown], { folder: figures.length ? folder : undefined, tr, chunk });
  logLine(tr(`wrote ${file} and ${check.figures.length} figures in ${folder}`, `已写入 ${file}，以及 ${folder} 中的 ${check.figures.length} 张图`));
}

export function chapterCommand(): Command {
  return new Command('chapter')
    .description('check every claim of the chapter (sections 3.4-3.7) with the experiments, across seeds, with a verdict')
    .option('--quick', 'one seed per experiment (about 2 minutes on 2 cores): the verdicts are preliminary')
    .option('--json', 'print one JSON object { claims: [{ id, section, paraphrase, gloss, verdict, conditions, numbers, experiment }] } as the last line of stdout')
    .option('--markdown [file]', 'the check as a Markdown document: printed, or written to FILE with its figures as SVG files in the folder FILE-figures beside it (a FILE that exists is replaced only if an earlier check wrote it and it was not edited since)')
    .option('--no-cache', 'run every experiment again, not reading kept results (the new ones are kept)')
    .option('--cache-dir <dir>', 'where results are kept (default: $XDG_CACHE_HOME/seqlab/chapter or ~/.cache/seqlab/chapter)')
    .option('--workers <n>', 'worker threads for the runs (default: one per core)', workerCount)
    .addOption(backendOption())
    .addOption(new Option('--lang <lang>', 'the language of the report (default: from LC_ALL, LC_MESSAGES or LANG)').choices([...LANGS]).default(langFromEnv(process.env)))
    .action(async (flags: ChapterFlags) => {
      // A --markdown FILE that may not be written is refused now, not after minutes of runs.
      const markdownFile = typeof flags.markdown === 'string' ? path.resolve(flags.markdown) : undefined;
      if (markdownFile) checkOwnedFiles([markdownFile], { folder: path.join(path.dirname(markdownFile), figureFolderFor(markdownFile)), tr: translator(flags.lang) });
      const backend = await initBackend(flags.backend);
      process.stderr.write(`backend ${backend.name}${backend.kernels ? `; SeqLab wasm kernels ${backend.kernels}` : ''}\n`);
      const decile = new Map<string, number>(); // each experiment's progress printed at every tenth
      const kept = folderCache(flags.cacheDir ?? defaultChapterCache());
      const check = await checkChapter({
        quick: flags.quick, lang: flags.lang, workers: flags.workers, signal: interruptSignal(),
        cache: flags.cache ? kept : { get: () => undefined, set: (key, value) => kept.set(key, value) },
        progress: ({ experiments, done, total }) => {
          for (const { label, fraction } of experiments) {
            const tenth = Math.floor(fraction * 10);
            if (tenth <= (decile.get(label) ?? 0)) continue;
            decile.set(label, tenth);
            process.stderr.write(`[${done}/${total} done] ${label} ${tenth * 10}%\n`);
          }
        },
      });
      for (const r of check.runs) process.stderr.write(`${r.experiment}: ${r.cached ? 'from the cache' : `${r.seconds.toFixed(1)} s`}\n`);
      process.stderr.write(`checked in ${check.seconds.toFixed(1)} s\n`);
      if (flags.json) printJSON({ ...check, figures: check.figures.map((f) => f.id) });
      else if (markdownFile) writeMarkdown(markdownFile, check, flags.lang);
      else if (flags.markdown) process.stdout.write(claimsMarkdown(check.claims, check.quick, flags.lang));
      else printReport(check, flags.lang);
    });
}
