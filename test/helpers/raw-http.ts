// HTTP/1.1 over a raw socket (node:net): multipart bodies exactly as written, byte by byte,
// including ones no HTTP client would produce (control bytes in headers, broken framing).
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed the socket without a status line. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequestOptions {
  /** Bytes written after the headers; the request says `Connection: close`. */
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Content-Length to declare (default: the body's length; null: none). */
  contentLength?: number | null;
  /** Close the socket after writing this many body bytes, without waiting for an answer. */
  abortAfter?: number;
  /** Give up waiting for the answer after this long (the socket is then destroyed). */
  timeoutMs?: number;
}

/** POSTs to `url` over a fresh socket and reads the answer until the server closes it. */
export function rawPost(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return openRawPost(url, options).response;
}

export interface OpenRequest {
  socket: Socket;
  /** Resolves when the server closes the socket (or the timeout destroys it). */
  response: Promise<RawResponse>;
}

/** rawPost that hands back the socket too: write more later, or destroy it mid-body. */
export function openRawPost(url: string, options: RawRequestOptions = {}): OpenRequest {
  const { hostname, port, pathname } = new URL(url);
  const body = Buffer.from(options.body ?? '');
  const length = options.contentLength === undefined ? body.length : options.contentLength;
  const head = [
    `POST ${pathname} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: close',
    ...(length === null ? [] : [`Content-Length: ${length}`]),
    ...Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  const socket = connect(Number(port), hostname);
  const response = new Promise<RawResponse>((resolve, reject) => {
    const received: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 20_000);
    socket.on('data', (data: Buffer) => received.push(data));
    // A reset after the answer was sent still leaves the answer readable.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(received).toString('latin1')));
      } catch (error) {
        reject(error);
      }
    });
  });
  socket.on('connect', () => {
    socket.write(head);
    if (options.abortAfter !== undefined) {
      socket.end(body.subarray(0, options.abortAfter));
      socket.destroy();
      return;
    }
    socket.write(body);
  });
  return { socket, response };
}

function parseResponse(text: string): RawResponse {
  const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(text);
  if (!match) return { status: 0, headers: {}, body: text };
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(match[0].length, end).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(match[1]), headers, body };
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; at < text.length; ) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!size) break;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return out;
}

export const BOUNDARY = 'fuzzBoundary7MA4YWxkTrZu0gW';

export interface MultipartPart {
  /** Raw header lines of the part (without the trailing blank line). */
  headers: string[];
  body: Buffer | string;
}

/** A multipart/form-data body from parts, framed with `boundary`. */
export function multipartBody(parts: MultipartPart[], boundary = BOUNDARY): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`, 'latin1'));
    pieces.push(Buffer.from(part.body));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** The three standard parts of a GraphQL multipart upload of one users file. */
export function uploadParts(fileName: string, content = 'User_ID,User_Name,Region,Is_Active_Sub\n'): MultipartPart[] {
  return [
    {
      headers: ['Content-Disposition: form-data; name="operations"'],
      body: JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } }),
    },
    { headers: ['Content-Disposition: form-data; name="map"'], body: '{"0":["variables.u"]}' },
    { headers: [`Content-Disposition: form-data; name="0"; filename="${fileName}"`, 'Content-Type: text/csv'], body: content },
  ];
}

/** The headers of a multipart upload with `token` (CSRF header and our boundary included). */
export const multipartHeaders = (token: string) => ({
  Authorization: `Bearer ${token}`,
  'x-graphql-yoga-csrf': '1',
  'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
});

/** Everything of a one-file upload up to its first file byte; the file then never ends. */
export function uploadHead(fileName = 'slow.csv'): Buffer {
  const full = multipartBody(uploadParts(fileName, ''));
  return full.subarray(0, full.indexOf(Buffer.from(`\r\n--${BOUNDARY}--`)));
}

/** An upload that sends its head, then one byte every `everyMs` until stopped. */
export function dribble(url: string, token: string, everyMs: number): OpenRequest & { stop(): void } {
  const request = openRawPost(url, { headers: multipartHeaders(token), body: uploadHead(), contentLength: 10 * 1024 * 1024, timeoutMs: 60_000 });
  const timer = setInterval(() => request.socket.write('a'), everyMs);
  request.response.finally(() => clearInterval(timer));
  return { ...request, stop: () => (clearInterval(timer), request.socket.destroy()) };
}
