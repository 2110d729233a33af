/**
 * SeqLab: Check the Chapter's Claims. The engine worker runs the check `seqlab chapter` runs
 * (engine/chapter/check.ts: each experiment the claims need, all at once on one pool; quick:
 * one seed; full: the experiments' defaults), keeping every result in the extension's storage
 * keyed by experiment and settings (a second check is instant), and judges the claims; the
 * Experiments panel shows them: a table of claims with their verdicts, numbers and conditions.
 */
import * as vscode from 'vscode';
import { secondsLeft } from '../engine/experiments/estimate';
import { clock } from '../engine/experiments/format';
import { langOf, translator, type Tr } from '../engine/core/lang';
import { errorText } from '../engine/core/messages';
import { hasTorchScript } from '../engine/export/experimentScript';
import { cacheKey, chapterRun, chapterRuns, chapterSummary, folderCache, keptRun, verdictWord, vocabularyLegend, type CheckedClaim } from '../engine/chapter/judge';
import { EngineError } from '../engine/worker/client';
import type { ExperimentMessage } from '../webview/protocol';
import type { EngineHost } from './engineHost';
import { ExperimentsPanel } from './experimentsPanel';

const t = vscode.l10n.t;

/** The claims as the panel's table: section, the claim (Chinese, as paraphrased, and its English gloss), verdict, what was measured, experiment. */
function claimsTable(claims: CheckedClaim[], quick: boolean, tr: Tr, titleOf: (name: string) => string): Array<Array<string | number>> {
  return [
    [t('section'), t('claim'), t('verdict'), t('what was measured'), t('experiment')],
    ...claims.map((c) => [
      c.section, `${c.paraphrase}\n${c.gloss}`, `${verdictWord(c.verdict, tr)}${quick ? ` (${t('preliminary')})` : ''}`,
      [c.evidence, ...c.conditions.map((x) => `• ${x}`), t('Rule: {0}', c.rule)].join('\n'), titleOf(c.experiment),
    ]),
  ];
}

export async function checkChapterCommand(engine: EngineHost, extensionUri: vscode.Uri, storage: vscode.Uri, log: vscode.LogOutputChannel, preset?: { quick?: boolean }): Promise<CheckedClaim[] | undefined> {
  const lang = langOf(vscode.env.language);
  const cacheDir = vscode.Uri.joinPath(storage, 'chapter').fsPath;
  const cache = folderCache(cacheDir);
  // The quick check leaves out some runs (chapterRuns(true)): "kept" counts those each check runs.
  const isKept = (id: ReturnType<typeof chapterRuns>[number], quick: boolean) => {
    const { experiment, config } = chapterRun(id, quick);
    return keptRun(cache, cacheKey(experiment, config), lang) !== undefined;
  };
  const allKept = (quick: boolean) => chapterRuns(quick).every((id) => isKept(id, quick));
  let quick = preset?.quick;
  if (quick === undefined) {
    const pick = await vscode.window.showQuickPick([
      { label: t('Quick check'), description: allKept(true) ? t('kept from the last check: instant') : t('one seed per experiment, 2-5 minutes on 2 cores (measured in VS Code: 117-159 s idle, 264 s with tests running beside it); the verdicts are preliminary'), quick: true },
      { label: t('Full check'), description: allKept(false) ? t('kept from the last check: instant') : t('3 seeds per experiment, the adding problem at 800 and 1,600 steps: about 20 minutes on 2 cores'), quick: false },
    ], { placeHolder: t('Check the chapter\'s claims: how thoroughly?') });
    if (!pick) return undefined;
    quick = pick.quick;
  }
  const panel = ExperimentsPanel.show(extensionUri, log, 'chapter');
  const base = { type: 'experiment' as const, title: t('The chapter, claim by claim'), description: t('Each claim of the chapter (sections 3.4-3.7, 优化RNN), the experiment that tests it, and a verdict computed from the runs by the rule written beside the claim, across seeds. The claims are SeqLab\'s paraphrases in Chinese with an English gloss. Holds with conditions names the conditions; does not hold here says what does.')
    // The words the rules use, each defined once in the engine (engine/chapter/vocabulary.ts), in the user's language.
    // One line each (the panel draws a paragraph per line): run together, the four read as one paragraph.
    + `\n${vocabularyLegend(translator(lang)).join('\n')}` };
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('SeqLab: checking the chapter\'s claims'), cancellable: true }, async (progress, token) => {
    // The experiments run at once in the worker (engine/chapter/check.ts): say which are under way.
    const say = (fraction: number, line: string) => {
      progress.report({ message: line });
      panel.post({ ...base, running: true, progress: { fraction, message: line } } satisfies ExperimentMessage);
    };
    say(0, t('starting'));
    const started = Date.now();
    const job = engine.checkChapter(quick!, lang, cacheDir, (p) => {
      const underWay = p.experiments.filter((e) => e.fraction > 0 && e.fraction < 1).map((e) => `${e.label} ${Math.floor(e.fraction * 100)}%`);
      // The experiments run at once and end late together: the share of all their steps done, and the time left at that pace, say more than "0 of 14".
      const left = secondsLeft(p.fraction, (Date.now() - started) / 1000, null);
      const overall = left === null
        ? t('{0}% of the work done', Math.floor(p.fraction * 100))
        : t('{0}% of the work done, about {1} left at the pace so far', Math.floor(p.fraction * 100), clock(left));
      say(p.fraction, [overall, t('{0} of {1} experiments done', p.done, p.total), ...underWay].join(' · '));
    });
    const stop = token.onCancellationRequested(() => void job.cancel());
    let check;
    try {
      check = await job.result;
    } catch (err) {
      const cancelled = err instanceof EngineError && err.code === 'cancelled';
      const message = cancelled ? t('Stopped on request. The experiments finished so far are kept: the next check starts after them.') : errorText(err, lang);
      panel.post({ ...base, running: false, progress: { fraction: 0, message } });
      if (!cancelled) {
        log.error(`chapter check: ${message}`);
        void vscode.window.showErrorMessage(t('Checking the chapter failed: {0}', message));
      }
      return undefined;
    } finally {
      stop.dispose();
    }
    const claims = check.claims;
    const tr = translator(lang);
    // Experiments by their titles in the user's language ("Run The vanishing gradient…", never "Run vanishing-gradients").
    const titles = new Map((await engine.listExperiments(lang).catch(() => [])).map((e) => [e.name, e.title]));
    const titleOf = (name: string) => titles.get(name) ?? name;
    const headline = chapterSummary(claims, quick!, tr);
    panel.post({
      ...base, running: false,
      output: {
        name: 'chapter', config: { quick }, headline, table: claimsTable(claims, quick!, tr, titleOf), figures: check.figures, result: { claims },
        verdicts: { column: 2, rows: claims.map((c) => c.verdict) },
        // Each claim's experiments, run from the page with the check's settings: their figures and tables in full.
        rowRuns: claims.map((c) => c.runs.map((r) => ({ name: r.experiment, config: r.config, label: r.label === r.experiment ? titleOf(r.experiment) : r.label, torchScript: hasTorchScript(r.experiment) }))),
      },
    });
    log.info(`chapter: ${headline}`);
    return claims;
  });
}

