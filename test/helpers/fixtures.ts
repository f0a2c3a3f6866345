// A sample grant for token-store tests: plain JSON, as a store keeps it.
import { type GrantData, parseTokenResponse } from '../../src/index.js';

export function sampleGrant(accessToken = 'tk_a', refreshToken = 'rt_a'): GrantData {
  const record = parseTokenResponse(
    {
      access_token: accessToken,
      expires_in: 1199,
      refresh_token: refreshToken,
      refresh_token_expires_in: 3600,
      principalID: 'p',
    },
    { receivedAt: Date.now() },
  );
  return {
    record,
    user: {
      principalId: 'p',
      principalIdns: 'ns',
      authenticatingInstitutionId: '128807',
      contextInstitutionId: '128807',
    },
    createdAt: 1,
  };
}
