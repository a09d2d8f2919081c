// GraphQL multipart requests, streamed: graphql-upload-minimal parses the body so each
// file reaches the resolver as a stream (Yoga's own File support buffers whole files).
// Around the parser: a cap on concurrent uploads, an idle timeout, and a permanent error
// listener on busboy (see guardParser) so that no multipart input can crash the process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { processRequest, Upload } from 'graphql-upload-minimal';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../errors.js';

export interface NodeServerContext {
  req: IncomingMessage;
  res: ServerResponse;
}

/** Either header proves the request is not a plain cross-site form post. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

export const isMultipart = (request: Request) =>
  request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data') ?? false;

export interface StreamingUploadOptions {
  maxFileSize: number;
  /** Multipart requests in flight per process; the next one is refused before its body is read. */
  maxConcurrent: number;
  /** A request whose body sends no byte for this long is ended with 408. */
  idleTimeoutSeconds: number;
  /** Called with the size of each body chunk as it arrives (upload metrics). */
  onBytes?: (bytes: number) => void;
}

/** The body stopped arriving: thrown into the parser and from there into every file stream. */
class UploadIdleError extends Error {
  readonly status = 408;
  constructor(readonly seconds: number) {
    super(`upload idle: no byte received for ${seconds} s; the request was ended and nothing was stored`);
  }
}

/** Retry-After of a refused upload: uploads in flight usually finish within seconds. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export function useStreamingUploads(options: StreamingUploadOptions): Plugin<NodeServerContext> {
  let inFlight = 0;
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (!isMultipart(request)) return;
      const context = serverContext as unknown as NodeServerContext;
      if (!CSRF_HEADERS.some((header) => request.headers.has(header))) {
        closeAfterResponse(context);
        throw new GraphQLError(`Multipart requests must carry a CSRF-prevention header: ${CSRF_HEADERS.join(' or ')}`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
      // busboy's own words for this are "should be multipart/form-data;".
      if (!/;\s*boundary=/i.test(request.headers.get('content-type') ?? '')) {
        closeAfterResponse(context);
        throw new GraphQLError('A multipart request needs a boundary: Content-Type: multipart/form-data; boundary=…', {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
      if (inFlight >= options.maxConcurrent) {
        closeAfterResponse(context);
        throw new GraphQLError(
          `Too many uploads in progress on this server (at most ${options.maxConcurrent}); retry in ${BUSY_RETRY_AFTER_SECONDS} s`,
          {
            extensions: {
              code: 'SERVICE_UNAVAILABLE',
              retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
              http: { status: 503, headers: { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) } },
            },
          },
        );
      }
      inFlight++;
      // The slot is held until the response is sent: storing the last chunk is part of the upload.
      context.res.once('close', () => inFlight--);
      setRequestParser(() => parseMultipart(context, options));
    },
  };
}

async function parseMultipart({ req, res }: NodeServerContext, options: StreamingUploadOptions): Promise<never> {
  const idle = watchIdle(req, options.idleTimeoutSeconds);
  guardParser(req, idle.setParser);
  try {
    const parsed = processRequest(req, res, {
      // busboy silently truncates a file at its limit; one byte more lets the
      // consumer (storeUpload) see the excess and fail with PAYLOAD_TOO_LARGE.
      maxFileSize: options.maxFileSize + 1,
      maxFiles: 2,
      maxFieldSize: 64 * 1024,
    });
    // processRequest has piped req synchronously: a second 'data' listener sees
    // every chunk without changing the flow (pipe's backpressure still applies).
    const { onBytes } = options;
    if (onBytes) req.on('data', (chunk: Buffer) => onBytes(chunk.length));
    const operations: unknown = await parsed;
    requestUploads.set(req, collectUploads(operations));
    return operations as never;
  } catch (error) {
    closeAfterResponse({ req, res });
    throw multipartError(error);
  }
}

/** Every file the multipart map placed in a request's operations. */
const requestUploads = new WeakMap<IncomingMessage, Upload[]>();

function collectUploads(value: unknown, found: Upload[] = [], depth = 0): Upload[] {
  if (value instanceof Upload) found.push(value);
  else if (value !== null && typeof value === 'object' && depth < 16) {
    for (const child of Object.values(value)) collectUploads(child, found, depth + 1);
  }
  return found;
}

/**
 * busboy finishes a form, and graphql-upload-minimal rejects a mapped file whose part never
 * came, only once every file stream has been read to its end. A file mapped to a place no
 * resolver reads (an undeclared variable, say) would block that forever, and with it a
 * resolver waiting for a missing part: the request would hang. The resolver names the
 * uploads it reads (their promises, as the Upload scalar hands them over); the others are
 * read and discarded.
 */
export function discardUnusedUploads(req: IncomingMessage | undefined, used: ReadonlyArray<unknown>): void {
  for (const upload of (req && requestUploads.get(req)) ?? []) {
    if (used.includes(upload.promise)) continue;
    upload.promise.then((file) => {
      try {
        const stream = file.createReadStream();
        stream.on('error', ignoreRepeatedParserError);
        stream.resume();
      } catch {
        // The part's stream already failed: the parser has moved past it.
      }
    }, ignoreRepeatedParserError);
  }
}

/**
 * processRequest pipes `req` into the busboy parser it creates and listens for the parser's
 * 'error' with once(). busboy can emit 'error' twice: on a malformed part header (a file
 * name holding a control byte, say) it emits 'Malformed part header' without destroying
 * itself; processRequest then calls parser.destroy(), and busboy's _destroy reports the
 * unfinished form as a second error ('Unexpected end of form'). With the once-listener
 * spent, that second 'error' is unhandled and ends the process. A permanent listener on
 * the parser closes that hole for every input; the first error still reaches processRequest,
 * which fails the request and the file streams.
 */
function guardParser(req: IncomingMessage, onParser: (parser: Writable) => void): void {
  const pipe = req.pipe;
  req.pipe = function pipeIntoParser<T extends NodeJS.WritableStream>(destination: T, pipeOptions?: { end?: boolean }): T {
    req.pipe = pipe;
    const parser = destination as unknown as Writable;
    parser.on('error', ignoreRepeatedParserError);
    onParser(parser);
    return pipe.call(req, destination, pipeOptions) as T;
  };
}

// Only repeats reach here after the first: processRequest has already failed the request.
// (Also for a discarded file: processRequest reports its failure to the request.)
const ignoreRepeatedParserError = () => undefined;

/** Ends the parse (and so every file stream) with UploadIdleError when the body stalls. */
function watchIdle(req: IncomingMessage, seconds: number) {
  let parser: Writable | undefined;
  const timer = setTimeout(() => {
    if (!req.complete) parser?.destroy(new UploadIdleError(seconds));
  }, seconds * 1000);
  timer.unref();
  req.on('data', () => timer.refresh());
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  return { setParser: (value: Writable) => (parser = value) };
}

/** graphql-upload-minimal's errors carry an HTTP status; keep it, name it with a code. */
function multipartError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const status = (error as { status?: number }).status ?? 400;
  const message = (error as Error).message;
  if (error instanceof UploadIdleError) {
    return new GraphQLError(message, { extensions: { code: 'REQUEST_TIMEOUT', http: { status: 408 } } });
  }
  if (status === 413) return new GraphQLError(message, { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status } } });
  // busboy's own messages ('Malformed part header', 'Unexpected end of form') name no cause.
  const text = (error as { status?: number }).status === undefined ? `malformed multipart body: ${message}` : message;
  return new GraphQLError(text, { extensions: { code: 'BAD_REQUEST', http: { status: status >= 500 ? 400 : status } } });
}

/**
 * What a resolver reading an upload reports when the upload promise or its file stream
 * fails: every such failure comes from the client's body (framing, a file part never sent,
 * a stall, a disconnect), so it is a 4xx with a code, never an INTERNAL_SERVER_ERROR.
 */
export function uploadFailure(error: unknown, variable: string): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof UploadIdleError) return new DomainError('REQUEST_TIMEOUT', error.message, { http: { status: 408 } });
  const { status, message } = error as { status?: number; message?: string };
  // The file limit: createUploadJob reports it in its own words, with the limit.
  if (status === 413) return error;
  if (message === FILE_MISSING) {
    return new DomainError('BAD_USER_INPUT', `the file for "${variable}" is named in the multipart map but its part was never sent`, {
      argument: variable,
      http: { status: 400 },
    });
  }
  const text = status === undefined ? `malformed multipart body: ${message}` : `multipart body: ${message}`;
  return new DomainError('BAD_REQUEST', text, { http: { status: 400 } });
}

// graphql-upload-minimal's rejection of an upload whose part the body never contained.
const FILE_MISSING = 'File missing in the request.';

/** Bytes and time spent reading the rest of a refused body, so the client can read the refusal. */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 5_000;

/**
 * For a response sent before its request body was read to the end (a refusal, a broken
 * upload): `Connection: close`, so the unread rest is never parsed as a next request. Node
 * ends such a response with socket.destroySoon(), and a socket destroyed while the client
 * is still sending answers the client's next segment with RST; a client that has not read
 * the response yet (undici, Node's fetch) then reports ECONNRESET instead of the status.
 * So: half-close, read and discard what still arrives up to a bound, then destroy.
 */
export function closeAfterResponse({ req, res }: NodeServerContext): void {
  if (req.complete || res.headersSent) return;
  res.setHeader('Connection', 'close');
  const socket = req.socket;
  socket.destroySoon = () => {
    const stop = () => socket.destroy();
    const timer = setTimeout(stop, LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      if ((discarded += chunk.length) > LINGER_BYTES) stop();
    });
    req.once('end', stop);
    socket.end();
    req.resume();
  };
}
