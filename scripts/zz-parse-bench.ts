import { createReadStream } from 'node:fs';
import { readCsvRecords } from '/work/main/src/ingest/csv-source.ts';
import { mapHeader } from '/work/main/src/ingest/headers.ts';
import { transactionsFormat } from '/work/main/src/ingest/rows.ts';
import { copyFields } from '/work/main/src/ingest/copy-text.ts';
import { uuid } from '/work/main/src/ingest/values.ts';
const file = process.argv[2]!;
let t = performance.now(); let n = 0;
for await (const batch of readCsvRecords(createReadStream(file, { highWaterMark: 4 << 20 }))) n += batch.length;
console.log('tokenize', n, Math.round(performance.now() - t), 'ms');
t = performance.now(); n = 0; let validate: any; let ok = 0; let bytes = 0;
for await (const batch of readCsvRecords(createReadStream(file, { highWaterMark: 4 << 20 }))) {
  for (const r of batch) {
    if (!validate) { validate = transactionsFormat.validator(mapHeader('t', r.fields, transactionsFormat.columns)); continue; }
    const v = validate(r.fields);
    const k = uuid(r.fields[0] ?? '');
    if (Array.isArray(v)) { const line = `${r.line}\t${k}\tt\t${copyFields(v)}\n`; bytes += line.length; ok++; }
  }
}
console.log('validate+format', ok, Math.round(performance.now() - t), 'ms', bytes);
