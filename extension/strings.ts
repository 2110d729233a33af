/** Strings the webviews show, localised on the host (webviews have no vscode.l10n). */
import * as vscode from 'vscode';

export function webviewStrings(): Record<string, string> {
  return {
    start: vscode.l10n.t('Start'),
    stop: vscode.l10n.t('Stop'),
    model: vscode.l10n.t('Model'),
    training: vscode.l10n.t('Training'),
    corpus: vscode.l10n.t('Corpus'),
    noCorpus: vscode.l10n.t('No training yet. Select text and run "Train on Selection", or press Start to train on the current file.'),
    characters: vscode.l10n.t('characters'),
    vocabulary: vscode.l10n.t('vocabulary'),
    trainLoss: vscode.l10n.t('train loss'),
    valLoss: vscode.l10n.t('validation loss'),
    bitsPerChar: vscode.l10n.t('bits/char'),
    charsPerSecond: vscode.l10n.t('chars/s'),
    eta: vscode.l10n.t('ETA'),
    step: vscode.l10n.t('step'),
    latestSample: vscode.l10n.t('Latest sample'),
    activeModel: vscode.l10n.t('Active model'),
    none: vscode.l10n.t('none'),
    layer: vscode.l10n.t('Layer'),
    gate: vscode.l10n.t('Quantity'),
    unit: vscode.l10n.t('Unit'),
    saturated: vscode.l10n.t('Most saturated units'),
    surprisal: vscode.l10n.t('surprisal (bits)'),
    export: vscode.l10n.t('Export'),
    running: vscode.l10n.t('Running…'),
    cell: vscode.l10n.t('cell'), layers: vscode.l10n.t('layers'), hiddenSize: vscode.l10n.t('hidden size'),
    embeddingSize: vscode.l10n.t('embedding size'), dropout: vscode.l10n.t('dropout'), normalization: vscode.l10n.t('normalization'),
    seqLen: vscode.l10n.t('sequence length'), batchSize: vscode.l10n.t('batch size'), optimizer: vscode.l10n.t('optimizer'),
    learningRate: vscode.l10n.t('learning rate'), clipNorm: vscode.l10n.t('gradient clip (norm)'), steps: vscode.l10n.t('steps'),
    minutes: vscode.l10n.t('time budget (minutes, 0 = none)'), seed: vscode.l10n.t('seed'),
  };
}
