/**
 * Writes the training and generation settings into package.json (`contributes.configuration`)
 * and its two nls files from the training config's schema (engine/train/configFields.ts) and
 * the generation options' schema (engine/model/generationConfig.ts). Run by
 * `node scripts/build.mjs`; test/engine/settings.test.ts fails when the files drift from them.
 * Settings under `seqlab.train.` or `seqlab.generate.` that no schema generates are listed in
 * HAND_WRITTEN (they are not fields of either); any other is removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settingsManifest } from '../engine/train/configFields';
import { generationManifest } from '../engine/model/generationConfig';

/** `seqlab.train.*` and `seqlab.generate.*` settings that are not fields of the schemas. */
export const HAND_WRITTEN = ['seqlab.train.workers'];

type Json = Record<string, unknown>;
export interface ManifestFiles { packageJson: Json; nlsEn: Record<string, string>; nlsZh: Record<string, string> }

/** The generated sections: every setting under `prefix` (but HAND_WRITTEN) comes from its schema. */
const SECTIONS = [
  { prefix: 'seqlab.train.', manifest: settingsManifest },
  { prefix: 'seqlab.generate.', manifest: generationManifest },
];

/** The files with the generated settings in place (the rest as it was, in its order). */
export function withSettings(files: ManifestFiles): ManifestFiles {
  let next = files;
  for (const section of SECTIONS) next = withSection(next, section.prefix, section.manifest());
  return next;
}

function withSection(files: ManifestFiles, prefix: string, { properties, nls }: ReturnType<typeof settingsManifest>): ManifestFiles {
  const contributes = files.packageJson.contributes as { configuration: { properties: Json } };
  const before = Object.entries(contributes.configuration.properties);
  const generated = (key: string) => key.startsWith(prefix) && !HAND_WRITTEN.includes(key);
  const at = before.findIndex(([key]) => generated(key));
  const kept = before.filter(([key]) => !generated(key));
  const insertAt = at < 0 ? kept.length : before.slice(0, at).filter(([key]) => !generated(key)).length;
  const entries = [...kept.slice(0, insertAt), ...Object.entries(properties), ...kept.slice(insertAt)];
  const packageJson = { ...files.packageJson, contributes: { ...contributes, configuration: { ...contributes.configuration, properties: Object.fromEntries(entries) } } };
  const nlsPrefix = prefix.replace(/^seqlab\./, 'config.');
  const nlsWith = (old: Record<string, string>, texts: Record<string, string>) => {
    const stale = (key: string) => key.startsWith(nlsPrefix) && !(key in texts) && !HAND_WRITTEN.some((h) => key.startsWith(h.replace(/^seqlab\./, 'config.')));
    return { ...Object.fromEntries(Object.entries(old).filter(([key]) => !stale(key))), ...texts };
  };
  return { packageJson, nlsEn: nlsWith(files.nlsEn, nls.en), nlsZh: nlsWith(files.nlsZh, nls.zh) };
}

const FILES = { packageJson: 'package.json', nlsEn: 'package.nls.json', nlsZh: 'package.nls.zh-cn.json' } as const;

export function readManifestFiles(root: string): ManifestFiles {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  return { packageJson: read(FILES.packageJson), nlsEn: read(FILES.nlsEn), nlsZh: read(FILES.nlsZh) };
}

export const formatJson = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** Writes the files whose text changes; returns their names. */
export function writeSettings(root: string): string[] {
  const next = withSettings(readManifestFiles(root));
  const written: string[] = [];
  for (const [which, file] of Object.entries(FILES) as Array<[keyof ManifestFiles, string]>) {
    const target = path.join(root, file);
    const text = formatJson(next[which]);
    if (fs.readFileSync(target, 'utf8') === text) continue;
    fs.writeFileSync(`${target}.tmp`, text);
    fs.renameSync(`${target}.tmp`, target);
    written.push(file);
  }
  return written;
}
