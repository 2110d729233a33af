/**
 * A child process's output as lines, with a bound on a line's length. Node's readline keeps
 * a line whole however long it grows: an engine that printed a line of ~0.7 GB ended SeqLab
 * with "RangeError: Invalid string length". Here a line longer than `maxBytes` is reported
 * once (`onTooLong`) and the rest of it dropped, up to the next newline.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface LineReaderOptions {
  /** The longest line passed on, in bytes (without the newline). */
  maxBytes: number;
  onLine: (line: string) => void;
  /** A line went past maxBytes: its first `maxBytes` bytes, as text (the rest is dropped). */
  onTooLong: (start: string) => void;
  /** The stream ended (after the last line). */
  onEnd?: () => void;
}

/** Reads `stream` as UTF-8 lines ("\n" or "\r\n"), each at most `maxBytes` bytes. */
export function readLines(stream: Readable, options: LineReaderOptions): void {
  const splitter = new LineSplitter(options);
  stream.on('data', (chunk: Buffer | string) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  stream.on('end', () => {
    splitter.end();
    options.onEnd?.();
  });
}

/** The splitter itself, fed chunks by hand (for tests, and for readLines). */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** Inside a line that went past the bound: drop until its newline. */
  private dropping = false;

  constructor(private readonly options: Omit<LineReaderOptions, 'onEnd'>) {}

  push(chunk: Buffer): void {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.dropping) {
        const room = this.options.maxBytes - this.size;
        if (end - from > room) {
          this.parts.push(chunk.subarray(from, from + Math.max(0, room)));
          const start = this.take();
          this.dropping = true;
          this.options.onTooLong(start);
        } else {
          this.parts.push(chunk.subarray(from, end));
          this.size += end - from;
        }
      }
      if (nl === -1) return;
      if (this.dropping) this.dropping = false;
      else this.options.onLine(this.take());
      from = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    if (!this.dropping && this.size > 0) this.options.onLine(this.take());
    this.parts = [];
    this.size = 0;
  }

  private take(): string {
    const text = new StringDecoder('utf8').end(Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }
}
