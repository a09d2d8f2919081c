// GraphQL multipart requests, streamed: graphql-upload-minimal parses the body so each
// file reaches the resolver as a stream (Yoga's own File support buffers whole files).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { processRequest } from 'graphql-upload-minimal';
import type { Plugin } from 'graphql-yoga';

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
  /** Called with the size of each body chunk as it arrives (upload metrics). */
  onBytes?: (bytes: number) => void;
}

export function useStreamingUploads(options: StreamingUploadOptions): Plugin<NodeServerContext> {
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (!isMultipart(request)) return;
      if (!CSRF_HEADERS.some((header) => request.headers.has(header))) {
        throw new GraphQLError(`Multipart requests must carry a CSRF-prevention header: ${CSRF_HEADERS.join(' or ')}`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
      const { req, res } = serverContext as unknown as NodeServerContext;
      setRequestParser(async () => {
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
          return (await parsed) as never;
        } catch (error) {
          const status = (error as { status?: number }).status ?? 400;
          throw new GraphQLError((error as Error).message, {
            extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', http: { status } },
          });
        }
      });
    },
  };
}
