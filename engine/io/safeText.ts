/**
 * Text that came from outside (a file or folder name, a checkpoint's seqlab.json, a
 * model's vocabulary) on its way to something that acts on characters: a shell, a
 * terminal, a Markdown preview. Every generated command line, README and terminal line
 * passes what it did not write itself through one of these.
 *
 * - A shell: `shellQuote` (POSIX sh, bash, zsh) and `powershellQuote` make one word of
 *   any string; `;`, `$(...)`, backticks, braces, globs and newlines stay literal.
 * - A terminal: `terminalSafe` replaces control characters (C0 but tab and newline, DEL,
 *   C1) with U+FFFD, so a token or a name cannot move the cursor, retitle the window or
 *   hide text; `jsonForTerminal` does the same for a JSON line without changing its value.
 * - Markdown: `markdownText` escapes every ASCII punctuation character (CommonMark lets
 *   any of them be escaped with a backslash), so a name cannot open a code block, a link
 *   or raw HTML, and folds line breaks into spaces.
 */

/** C0 controls but tab (09) and line feed (0A), then DEL and the C1 controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Also line breaks and tabs, and the Unicode line and paragraph separators. */
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bidirectional overrides and isolates: they can make a name read differently from what it is ("Trojan Source"). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Model text or a name for a terminal: control characters become U+FFFD; tab and newline stay. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, '\uFFFD').replace(BIDI, '\uFFFD');
}

/**
 * A JSON text for a terminal: JSON.stringify escapes C0 controls but writes C1 controls
 * (U+0080-U+009F, which some terminals obey) and bidi overrides as they are. They can only
 * stand inside JSON strings, where `\u00XX` means the same character: the value is unchanged.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Characters that need no quoting in any POSIX shell. */
const SHELL_PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One POSIX shell word that stands for `arg` exactly: single quotes, with each ' written as '\''. */
export function shellQuote(arg: string): string {
  if (SHELL_PLAIN.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * One PowerShell word for `arg`: single quotes (no expansion inside), each quote doubled.
 * PowerShell also takes the typographic single quotes U+2018-U+201B as quotes, so those are
 * doubled too.
 */
export function powershellQuote(arg: string): string {
  return `'${arg.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** A command line for a POSIX shell from its words, each quoted. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Whether `name` can stand in a generated command at all: short, one line, printable. */
export function isPrintableName(name: string, maxLength = 200): boolean {
  return name.length > 0 && name.length <= maxLength && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(name);
}

/** Shortens to `max` code points, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * Plain text inside Markdown: ASCII punctuation escaped with a backslash, line breaks and
 * controls folded to spaces or U+FFFD, at most `max` characters. What it returns renders
 * as the text itself, in CommonMark and in VS Code's preview (markdown-it).
 */
export function markdownText(text: string, max = 200): string {
  return truncate(text, max)
    .replace(/[\r\n\u2028\u2029\t]+/g, ' ')
    .replace(CONTROL_OR_BREAK, '\uFFFD')
    .replace(BIDI, '\uFFFD')
    .replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}
