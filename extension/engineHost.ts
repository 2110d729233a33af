/**
 * The extension's side of the engine worker: one EngineClient, started on first use
 * (activation loads no TensorFlow.js), its crashes reported with an action, its log
 * lines in the output channel, its training state kept here for the views.
 */
import * as vscode from 'vscode';
import { EngineClient, EngineError, type Job, type RequestBody } from '../engine/worker/client';
import type { ChapterProgressEvent, ReplyMap, WorkerEvent } from '../engine/worker/protocol';
import { MAX_CURVE_POINTS, mergeCurvePoints, thinCurve } from '../engine/core/curve';
import { readCheckpointMeta } from '../engine/checkpoint/format';
import type { TrainingStatePayload } from '../webview/protocol';
import { outcomeOf } from './endReason';
import { langOf } from '../engine/core/lang';
import { errorText } from '../engine/core/messages';
import type { Lang } from '../engine/core/lang';
import type { ExperimentOutput, ExperimentPlan } from '../engine/experiments/types';

export class EngineHost implements vscode.Disposable {
  private readonly client: EngineClient;
  private trainingJob: Job<'train'> | undefined;
  /** Set while a closing window stops the run: the worker is terminated only once it settles. */
  private shutdownStop: Promise<void> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<TrainingStatePayload>();
  /** Fires when the training state changes (a few times a second while training). */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly modelEmitter = new vscode.EventEmitter<ReplyMap['load'] | undefined>();
  /** Fires when the active model changes (trained, loaded). */
  readonly onDidChangeModel = this.modelEmitter.event;
  state: TrainingStatePayload = { running: false, corpus: null, train: [], val: [], units: 'nats', last: null, sample: null, message: null, model: null, outcome: null };
  activeModel: ReplyMap['load'] | undefined;
  /** The active model is known (restored after a reload) but not yet loaded into this worker. */
  private pendingLoad: string | undefined;
  backend: string | undefined;

  constructor(log: vscode.LogOutputChannel, workerScript: string) {
    this.client = new EngineClient({
      workerScript,
      lang: langOf(vscode.env.language), // the engine's catalogued failures in the display language
      onLog: (level, message) => {
        if (level === 'warn') log.warn(message);
        else log.info(message);
      },
      onBackend: ({ engine, name, reason, kernels }) => {
        log.info(`engine: ${engine}, backend ${name} (${reason})${kernels ? `; SeqLab wasm kernels: ${kernels}` : ''}`);
        this.backend = name;
        this.setState({});
      },
      onCrash: (err) => {
        log.error(err.message);
        this.trainingJob = undefined;
        this.setState({ running: false, message: vscode.l10n.t('The SeqLab engine stopped unexpectedly and will restart. Training state is kept in the last checkpoint.') });
        void vscode.window.showErrorMessage(vscode.l10n.t('The SeqLab engine stopped unexpectedly; it restarts on the next request.'), vscode.l10n.t('Open Log')).then((pick) => {
          if (pick) log.show();
        });
      },
    });
  }

  /** The unit losses are shown in (`seqlab.units`). */
  setUnits(units: 'nats' | 'bits'): void {
    if (units !== this.state.units) this.setState({ units });
  }

  get training(): boolean {
    return this.trainingJob !== undefined;
  }

  private setState(patch: Partial<TrainingStatePayload>): void {
    this.state = { ...this.state, ...patch };
    this.stateEmitter.fire(this.state);
  }

  /**
   * Starts training; resolves with the summary when it ends. `resumedFrom`: the checkpoint a
   * resumed run continues, whose curves the chart continues. `engineLabel`: "PyTorch 2.4.0" for
   * a run the PyTorch engine computes (the live line names it), null for the built-in engine.
   */
  async train(request: RequestBody<'train'>, origin: string, characters: number, resumedFrom?: string, engineLabel: string | null = null): Promise<ReplyMap['train']> {
    if (this.trainingJob) throw new EngineError(vscode.l10n.t('A training run is in progress: stop it first.'), 'busy');
    const meta = resumedFrom ? readCheckpointMeta(resumedFrom) : undefined;
    const curves = meta ? curvesOf({ dir: resumedFrom!, meta, parameters: 0 }) : { train: [], val: [], baselines: null };
    this.setState({ running: true, ...curves, last: null, sample: null, message: null, outcome: null, corpus: { origin, characters, vocabSize: null, reason: null }, engine: engineLabel });
    const job = this.client.start('train', request, (e: WorkerEvent) => this.onTrainEvent(e));
    this.trainingJob = job;
    try {
      const summary = await job.result;
      this.setState({
        running: false, message: null, outcome: outcomeOf(summary, meta?.training?.state?.step ?? 0),
        corpus: { origin: summary.corpus, characters: summary.corpusCharacters, vocabSize: summary.vocabSize, reason: summary.vocabularyReason },
      });
      const kept = summary.checkpoint ?? summary.lastCheckpoint;
      if (kept && !this.shutdownStop) await this.load(kept);
      return summary;
    } catch (err) {
      const text = errorText(err, langOf(vscode.env.language)); // the engine's catalogued failures in the display language
      this.setState({ running: false, outcome: { reason: 'failed', text, steps: this.state.last?.step ?? 0, bestValLoss: null, bestStep: null, checkpoint: null } });
      throw err;
    } finally {
      if (this.trainingJob === job) this.trainingJob = undefined;
    }
  }

  private onTrainEvent(e: WorkerEvent): void {
    if (e.kind === 'progress') {
      // A training point per progress event (a few a second), the mean of the steps since the last one.
      const train = e.step > 0 && e.step !== this.state.train.at(-1)?.step && Number.isFinite(e.trainLossMean)
        ? thinCurve([...this.state.train, { step: e.step, seconds: e.elapsedSeconds, loss: e.trainLossMean }], MAX_CURVE_POINTS, mergeCurvePoints)
        : this.state.train;
      const val = e.evaluated && e.valLoss !== null ? [...this.state.val, { step: e.step, seconds: e.elapsedSeconds, loss: e.valLoss }] : this.state.val;
      this.setState({ train, val, baselines: e.baselines, last: { step: e.step, totalSteps: e.totalSteps, charsPerSecond: e.charsPerSecond, etaSeconds: e.etaSeconds, bitsPerChar: e.bitsPerChar, workers: e.workers, passes: e.passes, passSeconds: e.passSeconds } });
    } else if (e.kind === 'sample') {
      this.setState({ sample: e.text });
    }
  }

  /**
   * The window is closing: stops the run as Stop does (its weights saved as they are) and
   * waits for it, at most `timeoutMs`; the worker is terminated after that, not before.
   */
  stopForShutdown(timeoutMs: number): Promise<void> {
    const job = this.trainingJob;
    if (!job) return Promise.resolve();
    const ended = job.result.then(() => undefined, () => undefined);
    let timer: NodeJS.Timeout | undefined;
    this.shutdownStop = Promise.race([
      job.cancel().then(() => ended, () => undefined),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]).finally(() => clearTimeout(timer));
    return this.shutdownStop;
  }

  /**
   * After a reload, while the offer to resume waits: the interrupted run's curves (from its
   * latest weights) and, in the outcome card, the same choice as the offer. Not while a run runs.
   */
  showInterrupted(name: string, lastDir: string, text: string): void {
    if (this.trainingJob) return;
    let meta: ReturnType<typeof readCheckpointMeta>;
    try {
      meta = readCheckpointMeta(lastDir);
    } catch {
      return;
    }
    const state = meta.training.state;
    this.setState({
      ...curvesOf({ dir: lastDir, meta, parameters: 0 }), running: false, last: null, sample: null, message: null,
      corpus: meta.training.corpus ? { origin: meta.training.corpus, characters: 0, vocabSize: meta.model.vocabSize, reason: null } : this.state.corpus,
      outcome: { reason: 'interrupted', text, steps: state.step, bestValLoss: state.bestValLoss, bestStep: state.bestStep, checkpoint: null, resumable: name },
    });
  }

  /** The last run (stopped with its weights saved) can be resumed: the outcome card offers it. */
  markResumable(name: string): void {
    if (this.state.outcome && !this.trainingJob) this.setState({ outcome: { ...this.state.outcome, resumable: name } });
  }

  /** The run `name` was discarded (or resumed elsewhere): the card no longer offers it. */
  clearResumable(name: string): void {
    const o = this.state.outcome;
    if (o?.resumable !== name) return;
    // An interrupted run shown only for its offer goes from the view; a stopped run's card stays, without the button.
    if (o.reason === 'interrupted') this.setState({ outcome: null, train: [], val: [] });
    else this.setState({ outcome: { ...o, resumable: undefined } });
  }

  async stopTraining(): Promise<boolean> {
    const job = this.trainingJob;
    if (!job) return false;
    await job.cancel();
    return true;
  }

  async load(dir: string): Promise<ReplyMap['load']> {
    const info = await this.client.request('load', { dir });
    this.pendingLoad = undefined;
    this.show(info);
    return info;
  }

  /**
   * After a window reload: shows the model that was active, with its loss history, from
   * its seqlab.json alone; the worker (and TensorFlow.js) loads it on first use.
   */
  restore(info: ReplyMap['load']): void {
    this.pendingLoad = info.dir;
    this.show(info);
    this.setState({
      ...curvesOf(info),
      corpus: info.meta.training.corpus ? { origin: info.meta.training.corpus, characters: 0, vocabSize: info.meta.model.vocabSize, reason: null } : null,
    });
  }

  private show(info: ReplyMap['load']): void {
    this.activeModel = info;
    // The chart always shows the active model's history (a run just finished shows its own).
    if (!this.trainingJob) this.setState(curvesOf(info));
    this.setState({ model: { name: info.dir.split(/[\\/]/).pop() ?? info.dir, cell: info.meta.model.cell, valLoss: info.meta.training.state.bestValLoss } });
    this.modelEmitter.fire(info);
  }

  private async ready(): Promise<void> {
    if (this.pendingLoad) await this.load(this.pendingLoad);
  }

  /** Streams a sample; `result` settles when it ends. Loads a restored model first. */
  sample(prompt: string, options: RequestBody<'sample'>['options'], onToken: (text: string) => void): { result: Promise<ReplyMap['sample']>; cancel: () => Promise<void> } {
    let job: Job<'sample'> | undefined;
    let cancelled = false;
    const result = this.ready().then(() => {
      job = this.client.start('sample', { prompt, options: { ...options } }, (e) => {
        if (e.kind === 'token') onToken(e.text);
      });
      if (cancelled) void job.cancel();
      return job.result;
    });
    return { result, cancel: async () => { cancelled = true; await job?.cancel(); } };
  }

  async probe(text: string, options?: { maxLength?: number; maxInfluenceLength?: number; includeLast?: boolean; gradientNorms?: boolean; connectivityWindow?: number }): Promise<ReplyMap['probe']> {
    await this.ready();
    return this.client.request('probe', { text, ...(options ? { options } : {}) });
  }

  /** What drove the last character of `text`, in `text`'s own offsets. */
  async whatDrove(text: string, window: number): Promise<ReplyMap['whatDrove']> {
    await this.ready();
    return this.client.request('whatDrove', { text, window });
  }

  async save(dir: string): Promise<ReplyMap['save']> {
    await this.ready();
    return this.client.request('save', { dir });
  }

  /** Writes a PyTorch project for the checkpoint `modelDir` into the new folder `outDir` (in the worker). */
  async exportTorch(modelDir: string, outDir: string): Promise<ReplyMap['exportTorch']> {
    return this.client.request('exportTorch', { modelDir, outDir });
  }

  listExperiments(lang: Lang): Promise<ReplyMap['listExperiments']> {
    return this.client.request('listExperiments', { lang });
  }

  /** Runs an experiment in the worker (one heavy job at a time, like training), speaking `lang`. */
  runExperiment(name: string, config: Record<string, unknown>, lang: Lang, on: ExperimentListener, options: { figuresIn?: Lang[] } = {}): Job<'experiment'> {
    return this.client.start('experiment', { name, config, lang, ...options }, (e) => {
      if (e.kind === 'experiment') on.progress(e.fraction, e.message, e.secondsLeft);
      else if (e.kind === 'experimentPlan') on.plan(e.plan);
      else if (e.kind === 'experimentPartial') on.partial(e.output, e.done, e.total);
    });
  }

  /** Checks the chapter's claims in the worker (one heavy job at a time), results kept in `cacheDir`. */
  checkChapter(quick: boolean, lang: Lang, cacheDir: string, progress: (p: ChapterProgressEvent) => void): Job<'chapter'> {
    return this.client.start('chapter', { quick, lang, cacheDir }, (e) => {
      if (e.kind === 'chapter') progress(e);
    });
  }

  setBackend(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<ReplyMap['setBackend']> {
    return this.client.request('setBackend', { name });
  }

  listBackends(): Promise<ReplyMap['listBackends']> {
    return this.client.request('listBackends', {});
  }

  /** For tests: the worker thread, to simulate a crash. */
  get workerThread() {
    return this.client.thread;
  }

  get workerStarts(): number {
    return this.client.starts;
  }

  dispose(): void {
    // VS Code disposes right after `deactivate`, which asked a running run to stop and save: end the worker after that.
    if (this.shutdownStop) void this.shutdownStop.then(() => this.client.dispose());
    else void this.client.dispose();
    this.stateEmitter.dispose();
    this.modelEmitter.dispose();
  }
}

/** What an experiment reports while it runs. */
export interface ExperimentListener {
  plan(plan: ExperimentPlan): void;
  progress(fraction: number, message: string, secondsLeft: number | null): void;
  partial(output: ExperimentOutput<unknown>, done: number, total: number): void;
}


/**
 * The loss curves stored in a checkpoint: the training curve when it has one (else the loss
 * at each evaluation), and the validation losses; the whole run's when the checkpoint keeps
 * them (a best checkpoint of a run that went on after it), else up to its own step.
 */
function curvesOf(info: ReplyMap['load']): Pick<TrainingStatePayload, 'train' | 'val' | 'baselines'> {
  const st = info.meta.training.run ?? info.meta.training.state;
  const seconds = (h: { seconds?: number }) => h.seconds ?? NaN;
  return {
    baselines: info.meta.training.baselines ?? null, // checkpoints before SeqLab 0.3 have none
    train: st.trainCurve?.length
      ? st.trainCurve.map(([step, secs, loss]) => ({ step, seconds: secs, loss }))
      : st.history.map((h) => ({ step: h.step, seconds: seconds(h), loss: h.trainLoss })),
    val: st.history.map((h) => ({ step: h.step, seconds: seconds(h), loss: h.valLoss })),
  };
}
