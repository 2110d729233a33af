/** `seqlab chapter [--quick] [--json]`: every claim of the chapter checked by the experiments, with a verdict across seeds. */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { initBackend, type BackendName } from '../core/backend';
import { langFromEnv, LANGS, translator, type Lang } from '../core/lang';
import { terminalSafe } from '../io/safeText';
import { checkChapter, type ChapterCheck } from '../chapter/check';
import { chapterSummary, claimsMarkdown, folderCache, verdictWord } from '../chapter/judge';
import { interruptSignal, printJSON } from './output';
import { backendOption, workerCount } from './options';

interface ChapterFlags { quick?: boolean; json?: boolean; markdown?: boolean; cache: boolean; cacheDir?: string; workers?: number; backend?: BackendName; lang: Lang }

/** Where results are kept between checks: $XDG_CACHE_HOME/seqlab/chapter, else ~/.cache/seqlab/chapter. */
export const defaultChapterCache = () => path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'seqlab', 'chapter');

function printReport(check: ChapterCheck, lang: Lang): void {
  const tr = translator(lang);
  for (const c of check.claims) {
    console.log(terminalSafe(`\n${c.section}  ${c.id}: ${verdictWord(c.verdict, tr).toUpperCase()}${check.quick ? tr(' (preliminary)', '（初步）') : ''}`));
    console.log(terminalSafe(`  ${c.quote}`));
    console.log(terminalSafe(`  ${c.gloss}`));
    console.log(terminalSafe(`  ${c.evidence}`));
    for (const condition of c.conditions) console.log(terminalSafe(`  - ${condition}`));
  }
  console.log(`\n${chapterSummary(check.claims, check.quick, tr)}`);
}

export function chapterCommand(): Command {
  return new Command('chapter')
    .description('check every claim of the chapter (sections 3.4-3.7) with the experiments, across seeds, with a verdict')
    .option('--quick', 'one seed per experiment (about 2 minutes on 2 cores): the verdicts are preliminary')
    .option('--json', 'print one JSON object { claims: [{ id, section, quote, gloss, verdict, conditions, numbers, experiment }] } as the last line of stdout')
    .option('--markdown', 'print the check as a Markdown document')
    .option('--no-cache', 'run every experiment again, not reading kept results (the new ones are kept)')
    .option('--cache-dir <dir>', 'where results are kept (default: $XDG_CACHE_HOME/seqlab/chapter or ~/.cache/seqlab/chapter)')
    .option('--workers <n>', 'worker threads for the runs (default: one per core)', workerCount)
    .addOption(backendOption())
    .addOption(new Option('--lang <lang>', 'the language of the report (default: from LC_ALL, LC_MESSAGES or LANG)').choices([...LANGS]).default(langFromEnv(process.env)))
    .action(async (flags: ChapterFlags) => {
      const backend = await initBackend(flags.backend);
      process.stderr.write(`backend ${backend.name}\n`);
      let last = '';
      const kept = folderCache(flags.cacheDir ?? defaultChapterCache());
      const check = await checkChapter({
        quick: flags.quick, lang: flags.lang, workers: flags.workers, signal: interruptSignal(),
        cache: flags.cache ? kept : { get: () => undefined, set: (key, value) => kept.set(key, value) },
        progress: (experiment, done, total, fraction) => {
          const line = `[${done + 1}/${total}] ${experiment} ${Math.round(fraction * 100)}%`;
          if (line !== last && (fraction === 0 || Math.round(fraction * 100) % 10 === 0)) process.stderr.write(`${line}\n`);
          last = line;
        },
      });
      for (const r of check.runs) process.stderr.write(`${r.experiment}: ${r.cached ? 'from the cache' : `${r.seconds.toFixed(1)} s`}\n`);
      process.stderr.write(`checked in ${check.seconds.toFixed(1)} s\n`);
      if (flags.json) printJSON(check);
      else if (flags.markdown) process.stdout.write(claimsMarkdown(check.claims, check.quick, flags.lang));
      else printReport(check, flags.lang);
    });
}
