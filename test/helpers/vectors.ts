// OCLC's published vectors, copied from shared/vectors so a fresh clone carries them.
import { readFileSync } from 'node:fs';

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export interface HmacCase {
  id: string;
  source: string;
  key: string;
  secret: string;
  method: string;
  url: string;
  timestamp: string;
  nonce: string;
  normalizedRequest: string;
  signature: string;
}

export interface HmacVectors {
  headerExample: {
    key: string;
    timestamp: string;
    nonce: string;
    user: { principalId: string; principalIdns: string };
    format: string;
  };
  cases: HmacCase[];
}

export interface TokenResponseCase {
  source: string;
  status: number;
  body: string;
  expected: Record<string, unknown>;
}

export interface ErrorBodyCase {
  source: string;
  status: number;
  contentType: string | null;
  body: string;
  expectedMessage: string | null;
}

export const hmacVectors = load<HmacVectors>('hmac.json');
export const responseVectors = load<{ tokenResponses: TokenResponseCase[]; errorBodies: ErrorBodyCase[] }>(
  'oclc-responses.json',
);
