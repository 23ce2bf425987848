import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the floor and a server (Postgres, in the outage test), with a switch to cut it: `cut()`
 * destroys every open connection and refuses new ones (accepted, then reset at once, as a dead server would),
 * `restore()` forwards again. Nothing about the protocol is known here; bytes go through untouched.
 */
export interface TcpProxy {
  /** the port it listens on, on 127.0.0.1 */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's */
  urlFor(url: string): string;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** connections forwarded since the start, and refused while cut */
  readonly stats: { readonly forwarded: number; readonly refused: number };
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  const stats = { forwarded: 0, refused: 0 };

  const server: Server = createServer((client) => {
    if (isCut) {
      stats.refused += 1;
      client.resetAndDestroy();
      return;
    }
    stats.forwarded += 1;
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.setNoDelay(true);
      // either side failing ends the pair; the error itself is the point of a cut, not news
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  const { port } = address;

  return {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      isCut = true;
      // a reset rather than a FIN: what clients see when a server or the network dies under them
      for (const socket of [...open]) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    get isCut() {
      return isCut;
    },
    stats,
    async close() {
      for (const socket of [...open]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
