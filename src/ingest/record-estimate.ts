// The data records of a CSV, counted from its bytes as they stream by (the API counts an
// upload while storing it), without parsing fields: line feeds outside double quotes that
// end a non-blank line, then minus the header. For an RFC 4180 file this is the number of
// records the worker reads (blank lines are skipped there too); malformed quoting can make
// the two differ, so progress reports it as an estimate until the worker has counted.
const LF = 10;
const CR = 13;
const QUOTE = 34;

export class CsvRecordEstimate {
  private lines = 0;
  private inQuotes = false;
  /** The current line holds something besides a line-ending CR. */
  private content = false;
  /** The current line's bytes so far end with a CR (blank if the LF comes next). */
  private pendingCr = false;

  push(buffer: Buffer): void {
    let pos = 0;
    let nextQuote = buffer.indexOf(QUOTE);
    while (pos < buffer.length) {
      if (this.inQuotes) {
        if (nextQuote < 0) return; // the rest of this buffer is inside a quoted field
        this.inQuotes = false;
        pos = nextQuote + 1;
        nextQuote = buffer.indexOf(QUOTE, pos);
        continue;
      }
      const lf = buffer.indexOf(LF, pos);
      const lineEnd = lf < 0 ? buffer.length : lf;
      if (nextQuote >= 0 && nextQuote < lineEnd) {
        this.content = true;
        this.pendingCr = false;
        this.inQuotes = true;
        pos = nextQuote + 1;
        nextQuote = buffer.indexOf(QUOTE, pos);
        continue;
      }
      this.note(buffer, pos, lineEnd);
      if (lf < 0) return;
      if (this.content) this.lines++;
      this.content = false;
      this.pendingCr = false;
      pos = lf + 1;
    }
  }

  /** Data records: non-blank lines (the last one may lack its line feed) minus the header. */
  records(): number {
    const lines = this.lines + (this.content || this.inQuotes ? 1 : 0);
    return Math.max(0, lines - 1);
  }

  /** Bytes [from, to) of one line, free of quotes and line feeds. */
  private note(buffer: Buffer, from: number, to: number): void {
    if (to === from) return;
    if (this.pendingCr) this.content = true; // a CR with more after it is content
    const endsWithCr = buffer[to - 1] === CR;
    if (to - from > 1 || !endsWithCr) this.content = true;
    this.pendingCr = endsWithCr;
  }
}

/** Passes `source` through, counting its records into `estimate`. */
export async function* countingRecords(source: AsyncIterable<Buffer>, estimate: CsvRecordEstimate): AsyncGenerator<Buffer> {
  for await (const buffer of source) {
    estimate.push(buffer);
    yield buffer;
  }
}
