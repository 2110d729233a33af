// Preloaded with `node --import` into a process under test: as it exits, it writes to stderr the
// bytes its read() calls returned (rchar in /proc/self/io), so a test can tell a file was left
// unread in bytes rather than in seconds. Linux only; elsewhere it writes nothing.
import * as fs from 'node:fs';

process.on('exit', () => {
  try {
    const rchar = /rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1];
    if (rchar) fs.writeSync(2, `\nbytes read: ${rchar}\n`);
  } catch {
    // no /proc: not counted
  }
});
