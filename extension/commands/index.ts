/**
 * SeqLab's commands, one file per feature (training, generation, inspection, models,
 * experiments); this file joins them. Each command's id is in package.json's `contributes.commands`.
 */
import type * as vscode from 'vscode';
import { trackTextEditors, type CommandContext } from './context';
import { registerExperimentCommands } from './experiments';
import { registerGenerationCommands } from './generation';
import { registerInspectionCommands } from './inspection';
import { registerDriverCommands } from './drivers';
import { registerModelCommands } from './models';
import { registerTrainingCommands } from './training';

export type { CommandContext } from './context';
export { offerResume } from './training';

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  return [
    trackTextEditors(),
    ...registerTrainingCommands(c),
    ...registerGenerationCommands(c),
    ...registerInspectionCommands(c),
    ...registerDriverCommands(c),
    ...registerModelCommands(c),
    ...registerExperimentCommands(c),
  ];
}
