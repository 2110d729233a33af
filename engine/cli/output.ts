/**
 * What every command writes, and how: model text and names made terminal-safe, stdout
 * written with back-pressure, one JSON line for scripts, Ctrl+C as a clean stop, exit codes.
 */
import { jsonForTerminal, terminalSafe } from '../io/safeText';

/** 0 done; 1 bad input or failure (the message says what to do); 3 training diverged; 130 interrupted (Ctrl+C). */
export const EXIT_FAILED = 1;
export const EXIT_DIVERGED = 3;
export const EXIT_INTERRUPTED = 130;

/**
 * Writes to stdout (model text with its control characters replaced: a token must not
 * drive the terminal), waiting when the pipe is full, so a slow reader (or `| head`) never
 * makes the process buffer what it generates.
 */
export async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(terminalSafe(text))) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/**
 * A closed pipe (`seqlab sample ... | head -c 100`) ends the command quietly with exit 0,
 * as Unix tools do, instead of a stack trace.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

/**
 * Everything the process writes to stdout, whoever writes it, has its control characters
 * replaced (`terminalSafe`): a table title made from a prompt or a --config text, a name in a
 * list, model text. One guard at the door rather than one per print, so a new print cannot
 * forget it (an experiment's table title once printed `ESC]0;` from the prompt, which retitles
 * the terminal window). What is already safe passes unchanged: model text, and JSON lines
 * (JSON escapes C0 controls, `printJSON` the rest). Tab and newline stay. Installed by main().
 */
export function guardStdout(): void {
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? terminalSafe(chunk) : chunk, ...rest)) as typeof process.stdout.write;
}

/** A line on stderr; names and model text in it cannot drive the terminal. */
export function logLine(line: string): void {
  process.stderr.write(terminalSafe(line) + '\n');
}

/** One JSON line on stdout, its C1 controls escaped (the value is unchanged). */
export function printJSON(value: unknown): void {
  console.log(jsonForTerminal(JSON.stringify(value)));
}

/** Ctrl+C cancels the job cleanly (the second one exits at once). */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping (Ctrl+C again to quit at once)...\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(EXIT_INTERRUPTED));
  });
  return controller.signal;
}

export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** A loss (nats/char) as the user asked to read it: nats or bits per character (--units). */
export const showLoss = (nats: number | null | undefined, units: 'nats' | 'bits' = 'nats') =>
  nats === null || nats === undefined || !Number.isFinite(nats) ? '-' : (units === 'bits' ? nats / Math.LN2 : nats).toFixed(3);
