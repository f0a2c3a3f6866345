// The demo app in this process, on loopback, with its own simulator (the example's public-API code).
import { createServer } from 'node:http';
// @ts-expect-error — the example is plain JavaScript written against the public package.
import { createExampleApp } from '../../example-app/app.js';
import { type Simulator, startSimulator } from '../../src/index.js';
import { freePort } from './redis.js';

export interface RunningExample {
  url: string;
  sim: Simulator;
  close(): Promise<void>;
}

/** `host` is how the browser names the app (localhost or 127.0.0.1); the server binds 127.0.0.1. */
export async function startExample(host = '127.0.0.1'): Promise<RunningExample> {
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const sim = await startSimulator({ redirectUris: [`${url}/auth/callback`] });
  const built = await createExampleApp({
    baseURL: url,
    oclc: {
      key: 'simulator-key',
      secret: 'simulator-secret',
      server: sim.url,
      institution: '128807',
      apiBaseURL: `${sim.metadataUrl}/`,
    },
    sessionSecret: 'example-test-secret-0123456789-0123456789',
    mode: 'built-in OCLC simulator',
  });
  const server = createServer(built.app);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url,
    sim,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await built.close();
      await sim.close();
    },
  };
}
