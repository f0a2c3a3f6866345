// OCLC's HMAC example, redone: sign a GET of bibliographic record 823520553 (Metadata API v1, on the
// simulator's legacy endpoint) with a principal, and print the record — or "Read failed. <status>".
// With OCLC_KEY/OCLC_SECRET (and OCLC_PRINCIPAL_ID/OCLC_PRINCIPAL_IDNS) set it signs for OCLC instead;
// OCLC switched v1 off in 2024, so expect "Read failed." there.
import { DEFAULT_USER, signRequest, startSimulator } from 'oclc-auth-express';

const env = process.env;
const useOclc = Boolean(env.OCLC_KEY && env.OCLC_SECRET);
const simulator = useOclc ? null : await startSimulator();
const base = simulator ? simulator.url : 'https://worldcat.org';
const url = `${base}/bib/data/823520553?classificationScheme=LibraryOfCongress&holdingLibraryCode=MAIN`;

try {
  const { authorization } = signRequest({
    key: useOclc ? env.OCLC_KEY : 'simulator-key',
    secret: useOclc ? env.OCLC_SECRET : 'simulator-secret',
    method: 'GET',
    url,
    user: {
      principalId: useOclc ? env.OCLC_PRINCIPAL_ID : DEFAULT_USER.principalId,
      principalIdns: useOclc ? env.OCLC_PRINCIPAL_IDNS : DEFAULT_USER.principalIdns,
    },
  });
  const res = await fetch(url, {
    headers: { authorization, accept: 'application/atom+xml' },
    signal: AbortSignal.timeout(15_000),
  });
  const body = await res.text();
  if (res.ok) {
    console.log(body);
  } else {
    console.log(`Read failed. ${res.status}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.log(`Read failed. ${err.code ?? err.name}`);
  process.exitCode = 1;
} finally {
  await simulator?.close();
}
