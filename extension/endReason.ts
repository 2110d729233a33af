/**
 * How a training run ended, as one sentence in the user's language. The engine's own
 * message stays English (it is also the command line's and the log's); the views compose
 * theirs from the summary's structured fields, so every reason exists in every language.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReplyMap } from '../engine/worker/protocol';
import type { TrainingStatePayload } from '../webview/protocol';

const t = vscode.l10n.t;

type Summary = Pick<ReplyMap['train'], 'reason' | 'steps' | 'bestValLoss' | 'bestStep' | 'checkpoint' | 'lastCheckpoint'> & Partial<Pick<ReplyMap['train'], 'passes' | 'passSeconds'>> & { config: { minutes: number; patience: number; evalInterval: number; lr: number; clipNorm: number } };

export function endReason(s: Summary, resumedAt = 0): string {
  switch (s.reason) {
    case 'completed':
      return t('Trained all {0} steps.', s.steps);
    case 'time-budget': {
      const ended = s.config.minutes === 1
        ? t('Stopped at step {0}: the time budget of 1 minute is used up.', s.steps)
        : t('Stopped at step {0}: the time budget of {1} minutes is used up.', s.steps, s.config.minutes);
      // A large text: say how little of it the run saw, and what a longer budget would give.
      return s.passes !== undefined && s.passes < 1 && s.passSeconds
        ? `${ended} ${t('It trained on {0}% of the text once; one pass takes about {1} minutes at this speed (a larger time budget, or the PyTorch engine, sees more of it).', (100 * s.passes).toFixed(s.passes < 0.1 ? 1 : 0), Math.ceil(s.passSeconds / 60))}`
        : ended;
    }
    case 'plateau':
      return t('Stopped at step {0}: the validation loss has not improved for {1} evaluations ({2} steps).', s.steps, s.config.patience, s.config.patience * s.config.evalInterval);
    case 'cancelled':
      return s.steps > resumedAt
        ? t('Stopped at step {0} on request.', s.steps)
        : t('Stopped before the first step: nothing was trained or saved.');
    case 'diverged':
      return t('Training diverged at step {0}: the loss is no longer a finite number. Lower the learning rate (now {1}) or clip gradients (gradient clip {2}; try 1).', s.steps + 1, s.config.lr, s.config.clipNorm || t('off'));
  }
}

/** The outcome card's content for a finished run. */
export function outcomeOf(s: Summary, resumedAt = 0): NonNullable<TrainingStatePayload['outcome']> {
  const kept = s.checkpoint ?? s.lastCheckpoint;
  return {
    reason: s.reason, text: endReason(s, resumedAt), steps: s.steps, bestValLoss: s.bestValLoss, bestStep: s.bestStep,
    checkpoint: kept ? path.basename(kept) : null,
  };
}
