// A TCP proxy with adjustable delay, to put latency between an app and Redis.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  delayMs: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const proxy: TcpProxy = { port: 0, url: '', delayMs: 0, close: async () => {} };
  const pipeDelayed = (from: Socket, to: Socket) => {
    // Bytes keep their order: a chunk never leaves before the one ahead of it, whatever the delay now.
    let nextFree = 0;
    from.on('data', (chunk) => {
      const at = Math.max(Date.now() + proxy.delayMs, nextFree);
      nextFree = at;
      setTimeout(() => to.destroyed || to.write(chunk), at - Date.now());
    });
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, nextFree - Date.now())));
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  proxy.port = typeof address === 'object' && address ? address.port : 0;
  proxy.url = `redis://127.0.0.1:${proxy.port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
