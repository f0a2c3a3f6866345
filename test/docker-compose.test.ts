// docker-compose.yml is valid (Debian's docker-compose validates it without an engine) and wires the
// app to Redis with append-only persistence.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

it('docker-compose config accepts the file and it holds what the README says', () => {
  const r = spawnSync('docker-compose', ['config'], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  });
  if (r.error) throw new Error('docker-compose is not installed: apt-get install -y docker-compose');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /REDIS_URL: redis:\/\/redis:6379/);
  assert.match(r.stdout, /--appendonly/);
  assert.match(r.stdout, /noeviction/);
  assert.match(r.stdout, /- 3000:3000|published: 3000/);
  assert.match(r.stdout, /condition: service_healthy/);
});
