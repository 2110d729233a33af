/**
 * How a training run ended, as one sentence in the user's language: the catalogue's end
 * reasons (engine/core/messages.ts, codes end-*) with the summary's structured fields. The
 * engine's own summary message stays English (the command line's and the log's).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReplyMap } from '../engine/worker/protocol';
import { langOf, type Lang } from '../engine/core/lang';
import { message, renderMessage, type EngineMessage } from '../engine/core/messages';
import type { TrainingStatePayload } from '../webview/protocol';

type Summary = Pick<ReplyMap['train'], 'reason' | 'steps' | 'bestValLoss' | 'bestStep' | 'checkpoint' | 'lastCheckpoint'> & Partial<Pick<ReplyMap['train'], 'passes' | 'passSeconds'>> & { config: { minutes: number; patience: number; evalInterval: number; lr: number; clipNorm: number } };

export function endReason(s: Summary, resumedAt = 0, lang: Lang = langOf(vscode.env.language)): string {
  const say = (m: EngineMessage) => renderMessage(m, lang);
  switch (s.reason) {
    case 'completed':
      return say(message('end-completed', { steps: s.steps }));
    case 'time-budget': {
      const ended = say(message('end-time-budget', { steps: s.steps, minutes: s.config.minutes }));
      // A large text: say how little of it the run saw, and what a longer budget would give.
      return s.passes !== undefined && s.passes < 1 && s.passSeconds
        ? `${ended}${lang === 'zh-cn' ? '' : ' '}${say(message('end-time-budget-pass', { percent: (100 * s.passes).toFixed(s.passes < 0.1 ? 1 : 0), minutes: Math.ceil(s.passSeconds / 60) }))}`
        : ended;
    }
    case 'plateau':
      return say(message('end-plateau', { steps: s.steps, patience: s.config.patience, evalSteps: s.config.patience * s.config.evalInterval }));
    case 'cancelled':
      return s.steps > resumedAt ? say(message('end-cancelled', { steps: s.steps })) : say(message('end-cancelled-before', {}));
    case 'diverged':
      return say(message('end-diverged', { step: s.steps + 1, lr: s.config.lr, clip: s.config.clipNorm }));
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
