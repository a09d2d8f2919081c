// A file the job cannot ingest at all (not CSV text, no data rows, missing columns).
// Retrying cannot help: the worker marks the job FAILED with this message.
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}
