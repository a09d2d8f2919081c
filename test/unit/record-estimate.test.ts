// The upload's record count (progress's totalRows before the worker has counted) against
// the worker's own CSV reader, over random well-formed files cut into random pieces.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../src/ingest/csv-source.js';
import { CsvRecordEstimate } from '../../src/ingest/record-estimate.js';
import { Rng } from '../helpers/random.js';

async function workerRecords(bytes: Buffer): Promise<number> {
  let records = 0;
  for await (const _record of readCsvRecords(Readable.from([bytes]))) records++;
  return Math.max(0, records - 1); // the header
}

function estimate(bytes: Buffer, cuts: number[]): number {
  const counter = new CsvRecordEstimate();
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    counter.push(bytes.subarray(at, cut));
    at = cut;
  }
  return counter.records();
}

function randomField(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return '';
    case 1:
      return `"multi\nline, ""quoted""${rng.chance(0.5) ? '\r\n' : ''} text"`;
    case 2:
      return '"a,b"';
    case 3:
      return ' spaced ';
    default:
      return `v${rng.int(0, 999)}`;
  }
}

function randomCsv(rng: Rng): Buffer {
  const eol = rng.chance(0.5) ? '\r\n' : '\n';
  let text = `${rng.chance(0.2) ? '\uFEFF' : ''}a,b,c${eol}`;
  const rows = rng.int(0, 40);
  for (let i = 0; i < rows; i++) {
    if (rng.chance(0.1)) text += eol; // blank line: skipped by the reader
    text += [randomField(rng), randomField(rng), randomField(rng)].join(',');
    if (i < rows - 1 || rng.chance(0.7)) text += eol;
  }
  return Buffer.from(text);
}

describe('CsvRecordEstimate', () => {
  it('counts what the worker reads for well-formed files, however the bytes are cut', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const bytes = randomCsv(rng);
      const cuts = Array.from({ length: rng.int(0, 6) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
      expect(estimate(bytes, cuts), `seed ${seed}`).toBe(await workerRecords(bytes));
    }
  });

  // Malformed quoting (an unclosed quote) is where the two may differ: the reader recovers
  // at a line end, the count sees one long field. That is why progress calls it an estimate.
  it('handles the edges: header only, blank and CR-only lines, no final line feed', async () => {
    const cases = ['a,b\n', 'a,b', 'a,b\n\n\r\n1,2', 'a,b\r\n1,2\r\n\r\n', 'a,b\n\r\n', ''];
    for (const text of cases) {
      const bytes = Buffer.from(text);
      const cuts = [...Array(bytes.length).keys()];
      expect(estimate(bytes, cuts), JSON.stringify(text)).toBe(await workerRecords(bytes));
      expect(estimate(bytes, []), JSON.stringify(text)).toBe(await workerRecords(bytes));
    }
  });
});
