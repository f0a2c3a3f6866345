// The simulator's bibliographic records: MARCXML data files shipped in data/records, plus any given
// as options, indexed by normalized OCLC number; brief bibs are derived from the MARC.
import { readdirSync, readFileSync } from 'node:fs';
import { marcControl, marcValues, parseMarcXml, trimIsbd } from '../core/marcxml.js';
import { parseOclcNumber } from '../core/oclc-number.js';
import { moduleUrl } from './module-url.js';

export interface SimRecord {
  oclcNumber: string;
  marcxml: string;
  brief: Record<string, unknown>;
}

function loadShipped(): Map<string, string> {
  const dir = new URL('./data/records/', moduleUrl);
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.xml')) out.set(name.slice(0, -4), readFileSync(new URL(name, dir), 'utf8'));
  }
  return out;
}

const FORMATS: Record<string, string> = {
  a: 'Book',
  t: 'Book',
  g: 'Video',
  i: 'AudioBook',
  j: 'Music',
  e: 'Map',
  m: 'CompFile',
};

function briefBib(oclcNumber: string, xml: string): Record<string, unknown> {
  const record = parseMarcXml(xml);
  if (!record) return { oclcNumber };
  const title = [...marcValues(record, '245', 'a'), ...marcValues(record, '245', 'b')]
    .map(trimIsbd)
    .join(': ');
  const f008 = marcControl(record, '008') ?? '';
  const publisher = marcValues(record, '264', 'b')[0] ?? marcValues(record, '260', 'b')[0];
  const place = marcValues(record, '264', 'a')[0] ?? marcValues(record, '260', 'a')[0];
  const brief: Record<string, unknown> = {
    oclcNumber,
    title,
    creator: marcValues(record, '100', 'a').map(trimIsbd)[0],
    date: f008.slice(7, 11).trim() || undefined,
    machineReadableLanguage: f008.slice(35, 38).trim() || undefined,
    language: f008.slice(35, 38).trim() || undefined,
    generalFormat: FORMATS[record.leader.charAt(6)] ?? 'Unknown',
    specificFormat: record.leader.charAt(7) === 'm' ? 'PrintBook' : undefined,
    edition: marcValues(record, '250', 'a').map(trimIsbd)[0],
    publisher: publisher ? trimIsbd(publisher) : undefined,
    publicationPlace: place ? trimIsbd(place) : undefined,
    isbns: marcValues(record, '020', 'a'),
    mergedOclcNumbers: marcValues(record, '019', 'a'),
    catalogingInfo: {
      catalogingAgency: marcValues(record, '040', 'a')[0],
      catalogingLanguage: marcValues(record, '040', 'b')[0],
      transcribingAgency: marcValues(record, '040', 'c')[0],
    },
  };
  return JSON.parse(JSON.stringify(brief));
}

/** Builds the record index; extra records override shipped ones with the same number. */
export function loadRecords(extra: Record<string, string>): Map<string, SimRecord> {
  const index = new Map<string, SimRecord>();
  for (const [key, xml] of [...loadShipped(), ...Object.entries(extra)]) {
    const oclcNumber = parseOclcNumber(key);
    if (!oclcNumber) continue;
    index.set(oclcNumber, { oclcNumber, marcxml: xml, brief: briefBib(oclcNumber, xml) });
  }
  return index;
}
