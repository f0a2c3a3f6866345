// A small, strict reader for MARCXML records (MARC 21 slim): enough to show a record as a table and
// to derive a brief bib. One reader for the simulator and for apps.

export interface MarcSubfield {
  code: string;
  value: string;
}

export interface MarcField {
  tag: string;
  /** Control fields (00X) have a value and no indicators or subfields. */
  value?: string;
  ind1?: string;
  ind2?: string;
  subfields?: MarcSubfield[];
}

export interface MarcRecord {
  leader: string;
  fields: MarcField[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g, (m, name, dec, hex) => {
    if (name) return ENTITIES[name] ?? m;
    const cp = dec ? Number(dec) : Number.parseInt(hex, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

function attr(tagText: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tagText);
  return m ? decode(m[1] ?? m[2] ?? '') : undefined;
}

/** Parses the first MARCXML `<record>` in the text (namespace prefixes allowed); null if none. */
export function parseMarcXml(xml: string): MarcRecord | null {
  const record = /<(?:[\w.-]+:)?record\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?record>/.exec(xml);
  if (!record) return null;
  const body = record[1]!;
  const leader = /<(?:[\w.-]+:)?leader\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?leader>/.exec(body);
  const fields: MarcField[] = [];
  const fieldPattern =
    /<(?:[\w.-]+:)?(controlfield|datafield)\b([^>]*)>([\s\S]*?)<\/(?:[\w.-]+:)?(?:controlfield|datafield)>/g;
  for (const m of body.matchAll(fieldPattern)) {
    const tag = attr(m[2]!, 'tag') ?? '';
    if (m[1] === 'controlfield') {
      fields.push({ tag, value: decode(m[3]!) });
      continue;
    }
    const subfields: MarcSubfield[] = [];
    for (const s of m[3]!.matchAll(/<(?:[\w.-]+:)?subfield\b([^>]*)>([\s\S]*?)<\/(?:[\w.-]+:)?subfield>/g)) {
      subfields.push({ code: attr(s[1]!, 'code') ?? '', value: decode(s[2]!).trim() });
    }
    fields.push({ tag, ind1: attr(m[2]!, 'ind1') ?? ' ', ind2: attr(m[2]!, 'ind2') ?? ' ', subfields });
  }
  return { leader: leader ? decode(leader[1]!) : '', fields };
}

/** The values of one subfield code across every field with the tag. */
export function marcValues(record: MarcRecord, tag: string, code: string): string[] {
  return record.fields
    .filter((f) => f.tag === tag)
    .flatMap((f) => (f.subfields ?? []).filter((s) => s.code === code).map((s) => s.value));
}

export function marcControl(record: MarcRecord, tag: string): string | undefined {
  return record.fields.find((f) => f.tag === tag)?.value;
}

/** Trailing ISBD punctuation (` /`, ` :`, `,`, `.`) off a subfield value. */
export function trimIsbd(value: string): string {
  return value
    .replace(/\s*[/:;,=]\s*$/, '')
    .replace(/(?<![A-Z])\.$/, '')
    .trim();
}
