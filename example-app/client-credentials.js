// OCLC's client-credentials example, redone: get an application token and print its details (the
// token as a fingerprint) — or error_code / error_message. Against the built-in simulator unless
// OCLC_KEY and OCLC_SECRET are set (then OCLC_INSTITUTION picks the institution).
import { createOclcClient, fingerprint, OclcError, startSimulator } from 'oclc-auth-express';

const env = process.env;
const useOclc = Boolean(env.OCLC_KEY && env.OCLC_SECRET);
const simulator = useOclc ? null : await startSimulator();
const client = createOclcClient({
  key: useOclc ? env.OCLC_KEY : 'simulator-key',
  secret: useOclc ? env.OCLC_SECRET : 'simulator-secret',
  scopes: env.OCLC_SCOPES ?? 'WorldCatMetadataAPI',
  server: simulator ? simulator.url : (env.OCLC_SERVER ?? 'current'),
  institution: useOclc ? env.OCLC_INSTITUTION || undefined : '128807',
});

try {
  const token = await client.clientCredentials();
  console.log(`access token: ${fingerprint(token.accessToken)}`);
  console.log(`expires_in: ${Math.round((token.expiresAt - Date.now()) / 1000)}`);
  console.log(`expires_at: ${token.expiresAtText}`);
  console.log(`type: ${token.tokenType}`);
} catch (err) {
  if (!(err instanceof OclcError)) throw err;
  console.log(`error_code: ${err.status ?? err.code}`);
  console.log(`error_message: ${err.oclcMessage ?? err.message}`);
  process.exitCode = 1;
} finally {
  await client.close();
  await simulator?.close();
}
