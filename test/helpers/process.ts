// Child processes that print "listening <url>" when ready (app replicas, the simulator CLI).
import { type ChildProcess, spawn } from 'node:child_process';

export interface Proc {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
  kill: () => Promise<void>;
}

function ended(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function startProcess(args: string[], env: Record<string, string> = {}): Promise<Proc> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  child.stdout!.setEncoding('utf8');
  let text = '';
  const stopWith = (signal: NodeJS.Signals) => () =>
    new Promise<void>((done) => {
      if (ended(child)) return done();
      child.once('exit', () => done());
      child.kill(signal);
    });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      text += chunk;
      const m = /listening (?:on )?(http:\/\/\S+)/.exec(text);
      if (m) resolve({ url: m[1]!, child, stop: stopWith('SIGTERM'), kill: stopWith('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`process exited with ${code}: ${text}`)));
  });
}
