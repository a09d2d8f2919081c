// A port for a child process to listen on. The OS hands out one that is free now (a
// random pick from 20000–60000 overlaps the ephemeral range 32768–60999, and once met a
// port a connection was using: the worker died with EADDRINUSE and its test timed out).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
