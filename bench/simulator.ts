// How fast is the simulator? Token validations (API reads) and token issuance per second, so that
// it is known not to be the bottleneck of the other benchmarks. Prints numbers; asserts nothing.
//   npx tsx bench/simulator.ts [--quick]
import { load, simulatorProcess, table } from './lib.js';

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 10;
const connections = 32;
const basic = `Basic ${Buffer.from('simulator-key:simulator-secret').toString('base64')}`;

// The daily cap would answer 429 after 50,000 requests; lift it for throughput numbers.
const sim = await simulatorProcess(['--request-cap', '100000000']);
try {
  const tokenRes = await fetch(`${sim.url}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=WorldCatMetadataAPI wcapi',
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const bearer = { authorization: `Bearer ${token}` };
  const runs = [
    {
      what: 'MARCXML read (token validation + record)',
      url: `${sim.url}/worldcat/manage/bibs/823520553`,
      headers: bearer,
    },
    { what: 'brief-bib JSON read', url: `${sim.url}/worldcat/search/brief-bibs/823520553`, headers: bearer },
    { what: 'unauthorized API call (401)', url: `${sim.url}/worldcat/manage/bibs/823520553`, headers: {} },
    {
      what: 'client-credentials token issued',
      url: `${sim.url}/token`,
      method: 'POST' as const,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=WorldCatMetadataAPI',
    },
  ];
  const rows = [];
  for (const run of runs) {
    const r = await load({
      url: run.url,
      method: run.method ?? 'GET',
      headers: run.headers,
      body: run.body,
      connections,
      duration,
    });
    rows.push({
      what: run.what,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      non2xx: r.non2xx,
      errors: r.errors,
    });
  }
  console.log(
    `simulator, ${connections} connections, ${duration} s each, load from this process, simulator in its own`,
  );
  console.log(table(rows));
} finally {
  await sim.stop();
}
