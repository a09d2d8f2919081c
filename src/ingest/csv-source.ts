// Bytes → CSV records: strict UTF-8 decoding (BOM stripped), binary sniffing, and
// batches of records per decoded piece so the consumer pays one await per piece.
import { CsvTokenizer, type CsvRecord } from './csv-tokenizer.js';
import { InputFileError } from './errors.js';

/** Bytes inspected for NUL characters: text files don't have them, binary ones do early. */
const SNIFF_BYTES = 64 * 1024;
/** Decoded pieces handed to the tokenizer: large enough to amortise, small enough to interleave. */
const PIECE_BYTES = 256 * 1024;

export interface ReadCsvOptions {
  /** Called with the byte count of every piece as it is decoded (progress). */
  onBytes?: (bytes: number) => void;
}

/** Yields the records of a CSV byte stream in batches, header record first. */
export async function* readCsvRecords(
  source: AsyncIterable<Buffer>,
  options: ReadCsvOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tokenizer = new CsvTokenizer();
  let offset = 0;
  for await (const buffer of source) {
    for (let at = 0; at < buffer.length; at += PIECE_BYTES) {
      const piece = buffer.subarray(at, at + PIECE_BYTES);
      if (offset < SNIFF_BYTES && piece.subarray(0, SNIFF_BYTES - offset).includes(0)) {
        throw new InputFileError('the file is not CSV text: it holds binary data (NUL bytes)');
      }
      const text = decode(decoder, piece, offset, false);
      offset += piece.length;
      options.onBytes?.(piece.length);
      const records = tokenizer.push(text);
      if (records.length) yield records;
    }
  }
  const tail = tokenizer.push(decode(decoder, new Uint8Array(0), offset, true));
  const last = tokenizer.end();
  if (tail.length || last.length) yield [...tail, ...last];
}

function decode(decoder: TextDecoder, bytes: Uint8Array, offset: number, final: boolean): string {
  try {
    return decoder.decode(bytes, { stream: !final });
  } catch {
    throw new InputFileError(
      `the file is not UTF-8 text: invalid byte sequence in the ${final ? 'last bytes' : `bytes from offset ${offset}`}`,
    );
  }
}

/** Truncates to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes = 1024): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
