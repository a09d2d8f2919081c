// A size limit on every request body except multipart uploads (those are streamed and
// limited per file by useStreamingUploads). Yoga's own limit has to stay off
// (maxRequestBodySize: false) because it would read multipart bodies itself, so without
// this a JSON POST of any size would be buffered whole.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isMultipart } from './uploads.js';

/** Our largest real operation is under 4 KiB; 1 MiB leaves room for big variables. */
export const MAX_OPERATION_BODY_BYTES = 1024 * 1024;

const tooLarge = (limit: number) =>
  new GraphQLError(`Request body exceeds ${limit} bytes`, { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } } });

/** Reads at most `limit` bytes of the body (chunked bodies included), else throws 413. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function useOperationBodyLimit(limit = MAX_OPERATION_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (isMultipart(request) || request.method === 'GET' || request.method === 'HEAD') return;
      const declared = request.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge(limit);
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (original) => {
        const body = await readLimited(original, limit);
        return parse(new fetchAPI.Request(original.url, { method: original.method, headers: original.headers, body }));
      });
    },
  };
}
