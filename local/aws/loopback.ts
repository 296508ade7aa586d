import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Has a stand-in's server listen (port 0: a free one) and resolves to its
 * base URL; a port that cannot be taken rejects (EADDRINUSE) instead of
 * leaving the caller waiting.
 */
export async function listenOnLoopback(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
