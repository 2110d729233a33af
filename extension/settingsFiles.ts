/**
 * Reading VS Code settings files without VS Code (no \`vscode\` import: unit-tested in plain
 * Node): the manifest's restricted settings, and which of them a settings file sets. Used by
 * trust.ts, which reads a folder's settings itself in Restricted Mode because VS Code drops
 * their values before the extension host sees them.
 */

/** The restricted settings as the manifest lists them: package.json is the one list. */
export function restrictedSettings(packageJSON: unknown): string[] {
  const list = (packageJSON as { capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: unknown } } } | undefined)?.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
  return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
}

/**
 * JSON with comments and trailing commas (VS Code's settings files) as plain JSON: comments
 * become spaces and a comma before `}` or `]` goes; strings are kept as they are.
 */
export function jsoncToJson(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else if (c === ',') {
      let j = i + 1;
      // Skip what follows that is not JSON (spaces, comments) to see whether the comma closes a list.
      for (;;) {
        while (j < text.length && /\s/.test(text[j])) j++;
        if (text.startsWith('//', j)) {
          while (j < text.length && text[j] !== '\n') j++;
        } else if (text.startsWith('/*', j)) {
          const end = text.indexOf('*/', j + 2);
          j = end < 0 ? text.length : end + 2;
        } else break;
      }
      if (text[j] !== '}' && text[j] !== ']') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsoncToJson(text));
  } catch {
    return [];
  }
  const set = new Set(settingKeys(parsed));
  return keys.filter((k) => set.has(k));
}

