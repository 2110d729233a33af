/** Entry of the extension-host tests: runs every *.test.js beside it with mocha, in the real extension host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // SEQLAB_VSCODE_ONLY=<regex>: only the tests whose titles match (the extension host inherits the environment).
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec', ...(process.env.SEQLAB_VSCODE_ONLY ? { grep: new RegExp(process.env.SEQLAB_VSCODE_ONLY) } : {}) });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
