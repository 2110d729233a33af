/**
 * Reading VS Code settings files without VS Code (no \`vscode\` import: unit-tested in plain
 * Node): the manifest's restricted settings, and which of them a settings file sets. Used by
 * trust.ts, which reads a folder's settings itself in Restricted Mode because VS Code drops
 * their values before the extension host sees them.
 */
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';

/** The restricted settings as the manifest lists them: package.json is the one list. */
export function restrictedSettings(packageJSON: unknown): string[] {
  const list = (packageJSON as { capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: unknown } } } | undefined)?.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
  return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
}

/**
 * A settings file's text (JSON with comments and trailing commas, as VS Code reads it) as a
 * value, through jsonc-parser (the parser VS Code's own JSON support uses); undefined when it
 * is not one.
 */
export function parseSettingsText(text: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  return errors.length ? undefined : value;
}

/** The dotted keys a settings object sets (`{"seqlab": {"python": …}}` sets `seqlab.python` too). */
export function settingKeys(settings: unknown, prefix = ''): string[] {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return [];
  return Object.entries(settings).flatMap(([key, value]) => {
    const full = prefix + key;
    return [full, ...(key.startsWith('[') ? [] : settingKeys(value, `${full}.`))];
  });
}

/** Which of `keys` a settings file's text sets (none when it cannot be read as JSON). */
export function keysSetIn(text: string, keys: readonly string[]): string[] {
  const set = new Set(settingKeys(parseSettingsText(text)));
  return keys.filter((k) => set.has(k));
}

