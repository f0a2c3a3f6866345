// GrantManager details that need an injected fault: a stale read makes a refresh replay a spent
// refresh token; OCLC refuses it (invalid_grant) and a re-read recovers the sibling's newer grant.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  createOclcClient,
  GrantManager,
  MemoryTokenStore,
  type Simulator,
  type StoredGrant,
  startSimulator,
  type TokenStore,
} from '../src/index.js';
import { loginForCode, REDIRECT_URI } from './helpers/simulator.js';

let sim: Simulator;
before(async () => {
  // Rotation on, reuse refused but not punished: the case where a sibling's refresh makes ours fail.
  sim = await startSimulator({ redirectUris: [REDIRECT_URI], reuseDetection: false });
});
after(() => sim.close());

/** A real store whose next few reads return an older copy (a lagging replica read, injected). */
class StaleReads extends MemoryTokenStore {
  stale: StoredGrant | null = null;
  staleReads = 0;
  override async readGrant(grantId: string): Promise<StoredGrant | null> {
    if (this.stale && this.staleReads > 0) {
      this.staleReads -= 1;
      return this.stale;
    }
    return super.readGrant(grantId);
  }
}

it('invalid_grant because a sibling already refreshed → recovered by re-reading', async () => {
  let now = Date.now();
  const client = createOclcClient({
    key: 'simulator-key',
    secret: 'simulator-secret',
    scopes: 'WorldCatMetadataAPI refresh_token',
    redirectUri: REDIRECT_URI,
    server: sim.url,
    institution: '128807',
    clock: () => now,
  });
  const store = new StaleReads({ clock: () => now });
  const sibling = new GrantManager({ client, store: store as TokenStore, cacheMs: 0 });
  const manager = new GrantManager({ client, store: store as TokenStore, cacheMs: 0 });
  const { code } = await loginForCode(client.authorizationUrl({ state: 's' }));
  const { grantId, grant: v1 } = await manager.create(await client.exchangeCode({ code }));

  now += 1200 * 1000;
  const v2 = await sibling.fresh(grantId); // the sibling refreshes first (rotating the token)
  assert.equal(v2.version, 2);
  // Our manager's reads lag: before, at and under the lock it still sees v1, due for refresh.
  store.stale = v1;
  store.staleReads = 3;
  const got = await manager.fresh(grantId);
  assert.equal(got.version, 2, 'the newer grant, found by re-reading');
  assert.equal(got.record.accessToken, v2.record.accessToken);
  assert.deepEqual(
    sim.stats().tokenRequests.refresh_token,
    { ok: 1, failed: 1 },
    'our replay was refused once',
  );
  assert.ok(await store.readGrant(grantId), 'the grant was not deleted');
  await client.close();
});
