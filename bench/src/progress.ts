/** Without a terminal (CI logs), progress lines are printed at most this often. */
const PLAIN_INTERVAL_MS = 5000;

/**
 * The progress line: on a terminal one line rewritten in place, elsewhere (CI logs) a plain line at
 * most every few seconds. `log` prints a permanent line (a step's result) either way.
 */
export class Progress {
  private readonly started = Date.now();
  private readonly tty = process.stdout.isTTY === true;
  private current = '';
  private lastPlain = 0;

  update(text: string): void {
    this.current = `[${this.elapsed()}] ${text}`;
    if (this.tty) {
      const width = process.stdout.columns || 120;
      process.stdout.write(`\r\x1b[2K${this.current.slice(0, width - 1)}`);
    } else if (Date.now() - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = Date.now();
      process.stdout.write(`${this.current}\n`);
    }
  }

  log(text: string): void {
    if (this.tty) process.stdout.write(`\r\x1b[2K${text}\n${this.current}`);
    else process.stdout.write(`${text}\n`);
  }

  done(): void {
    if (this.tty) process.stdout.write('\r\x1b[2K');
  }

  private elapsed(): string {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }
}
