/**
 * The fast YAML path of `policy check` against the reference: the `yaml` library reading the whole
 * text, which is what `policy check` read before (and still reads wherever the fast path steps
 * aside). Differential: real manifests of the repository, hand-written corner cases, and thousands
 * of random mutations of both, each cut into random pieces, must give the same documents, or the
 * same first error at the same line and column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as jsYaml from 'js-yaml';
import { Composer, LineCounter, Parser } from 'yaml';
import {
  firstError,
  loadChunk,
  stats,
  yamlChunks,
  YamlError,
  YamlRefused,
} from '../../cli/yaml-documents';
import { seededRandom } from '../support/random';

const ROOT = path.resolve(__dirname, '../..');

/** The reference: every document of `text` read by the `yaml` library, or its first error. */
function reference(text: string): unknown[] | string {
  const lines = new LineCounter();
  const values: unknown[] = [];
  for (const doc of new Composer().compose(new Parser(lines.addNewLine).parse(text), true)) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const { line, col } = lines.linePos(e.pos[0]);
      const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return `not valid YAML at line ${line}, column ${col} (${what})`;
    }
    try {
      values.push(doc.toJS());
    } catch (err) {
      return `refused (${(err as Error).message})`;
    }
  }
  return values;
}

/** The fast path: `pieces` cut into chunks, each loaded; the documents, or the first error. */
function fast(pieces: string[]): unknown[] | string {
  const values: unknown[] = [];
  try {
    for (const chunk of yamlChunks(pieces)) values.push(...loadChunk(chunk));
  } catch (err) {
    // As policy check does: the error as reading the whole input reports it.
    const exact = firstError(pieces.join('')) ?? err;
    if (exact instanceof YamlError) return exact.message;
    if (exact instanceof YamlRefused) return `refused (${exact.message})`;
    throw err;
  }
  return values;
}

/** `text` in pieces of random sizes (the reader's 1 MiB pieces, scaled down). */
function cut(text: string, rnd: () => number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(rnd() * 40);
    pieces.push(text.slice(i, i + n));
    i += n;
  }
  return pieces;
}

const SIGNIFICANT = [
  ':', '-', ' ', '\n', '#', "'", '"', '[', ']', '{', '}', ',', '|', '>', '&', '*', '!', '?', '%',
  '\t', '~', '0', '.', '\\', '---\n', '...\n', 'null', '0x1F', '1e3', '\r\n', '<<', '\uFEFF',
]; // prettier-ignore

/** One random edit of `text`: delete, insert a YAML-significant string, duplicate or re-indent a line. */
function mutate(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const choice = rnd();
  if (choice < 0.3) return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
  if (choice < 0.7) {
    const s = SIGNIFICANT[Math.floor(rnd() * SIGNIFICANT.length)];
    return text.slice(0, at) + s + text.slice(at);
  }
  const lines = text.split('\n');
  const i = Math.floor(rnd() * lines.length);
  if (choice < 0.85) lines.splice(i, 0, lines[i]);
  else lines[i] = (rnd() < 0.5 ? '  ' : '') + lines[i].replace(/^ {0,2}/, '');
  return lines.join('\n');
}

/** Manifests as users have them: ours, the policy fixtures, the examples. */
function corpus(): string[] {
  const files = [
    ...fs.readdirSync(path.join(ROOT, 'dist')).map((f) => path.join(ROOT, 'dist', f)),
    path.join(ROOT, 'evaluations', 'example.yaml'),
  ].filter((f) => f.endsWith('.yaml'));
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  // Each big file also as its first documents, so mutations land everywhere in small inputs too.
  const small = texts.flatMap((t) =>
    t
      .split(/^(?=---)/m)
      .slice(0, 6)
      .filter((d) => d.trim() !== ''),
  );
  return [...texts, ...small, ...CORNERS];
}

/** Where the two libraries differ, or a cut could go wrong. */
const CORNERS = [
  'a: 1\n---\nb: 2\n',
  '---\n---\n---\n',
  '# only a comment\n',
  '',
  '\n\n',
  '%YAML 1.2\n---\na: 1\n---\n%YAML 1.2\n---\nb: 2\n',
  'a: 1\n...\nb: 2\n---\nc: |\n  x\n--- # hi\nd: 1',
  'x: |\n  ---\n  not a marker\n',
  'x: "a\n---\nb"\n',
  'a: &x {b: 1}\nc: *x\n',
  'a: !!str 1\nb: !!int "2"\nc: !custom x\n',
  '~: v\nnull: w\n',
  ': v\n',
  '? [a, b]\n: c\n',
  '[a, b]: c\n',
  '{a: 1}: c\n',
  '<<: {a: 1}\nb: 2\n',
  'a: -0x1F\nb: 0b101\nc: 0o17\nd: 0x1f\ne: 1e400\nf: .NaN\ng: -.inf\nh: +12\ni: 012\nj: 1_000\n',
  'a: yes\nb: on\nc: True\nd: 2001-12-14\ne: 12:30\nf: -0\ng: 1.\nh: .5\n',
  'a: 1\na: 2\n',
  '__proto__: {polluted: 1}\nconstructor: x\n',
  'a:\n\t- b\n',
  "a: \"\\x41\\u263A\\N\\_\"\nb: 'it''s'\nc: >-\n  folded\n  text\n\n  more\n",
  'a: 1\r\n---\r\nb: 2\r\n',
  '\uFEFFa: 1\n',
  'key: value # comment\nlist:\n- a\n- b\n  # c\n- [x, {y: z}]\n',
  'a: b: c\n',
  'a: [1, 2\n',
  '- a\nb: c\n',
  'a:\n  - b\n   - c\n',
  `bomb: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
];

// The yaml library warns on stderr about collection keys, which the mutations make by the hundred.
beforeAll(() => jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

describe('the fast YAML path reads what the yaml library reads', () => {
  test('GIVEN manifests and corner cases, each cut into random pieces THEN the same documents or the same error', () => {
    const rnd = seededRandom(1);
    for (const text of corpus()) {
      expect({ text, got: fast(cut(text, rnd)) }).toEqual({ text, got: reference(text) });
    }
  });

  test('GIVEN 6,000 random mutations of them THEN the same documents or the same error, and both paths are exercised', () => {
    // FUZZ_SEED=<n> explores other mutations (seeds 3, 8, 11, 14, 21, 22 were clean too when this was written).
    const rnd = seededRandom(Number(process.env.FUZZ_SEED ?? 42));
    const texts = corpus();
    const before = { ...stats };
    let errors = 0;
    const mismatches: { text: string; fast: unknown; reference: unknown }[] = [];
    for (let i = 0; i < 6000; i++) {
      let text = texts[Math.floor(rnd() * texts.length)];
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) text = mutate(text, rnd);
      const want = reference(text);
      const got = fast(cut(text, rnd));
      if (typeof want === 'string') errors++;
      // isDeepStrictEqual: NaN equals NaN, -0 differs from 0, no prototype games.
      if (!isDeepStrictEqual(got, want)) mismatches.push({ text, fast: got, reference: want });
    }
    expect({ count: mismatches.length, first: mismatches.slice(0, 3) }).toEqual({
      count: 0,
      first: [],
    });
    // The mutations must reach both outcomes and both loaders, or the test proves little.
    expect(errors).toBeGreaterThan(500);
    expect(stats.fast - before.fast).toBeGreaterThan(3000);
    expect(stats.slow - before.slow).toBeGreaterThan(500);
  });

  test('GIVEN js-yaml with its default schema, without the fallback (the shortcut this path avoids) THEN the comparison catches it', () => {
    const naive = (text: string): unknown[] | string => {
      try {
        return jsYaml.loadAll(text);
      } catch {
        return reference(text); // only value differences count here
      }
    };
    const differing = corpus().filter((text) => !isDeepStrictEqual(naive(text), reference(text)));
    // -0x1F, 0b101, 2001-12-14, null keys, aliases, merge keys, tags…
    expect(differing.length).toBeGreaterThanOrEqual(5);
  });
});

describe('cutting a stream into chunks', () => {
  test('GIVEN documents split across pieces THEN every chunk is whole documents and no text is lost', () => {
    const rnd = seededRandom(7);
    for (const text of corpus()) {
      const chunks = [...yamlChunks(cut(text, rnd))];
      expect(chunks.map((c) => c.text).join('')).toBe(text);
      // The first line of each chunk is where the text before it ends.
      let line = 1;
      for (const c of chunks) {
        expect(c.line).toBe(line);
        line += c.text.split('\n').length - 1;
      }
      expect(chunks.filter((c) => c.last).length).toBe(chunks.length > 0 ? 1 : 0);
      if (chunks.length > 0) expect(chunks[chunks.length - 1].last).toBe(true);
    }
  });

  test('GIVEN comments or a directive before a marker THEN they stay with the document after them', () => {
    expect([...yamlChunks(['# a\n\n---\nx: 1\n---\ny: 2\n'])].map((c) => c.text)).toEqual([
      '# a\n\n---\nx: 1\n',
      '---\ny: 2\n',
    ]);
    expect([...yamlChunks(['x: 1\n%YAML 1.2\n---\ny: 2\n'])].map((c) => c.text)).toEqual([
      'x: 1\n%YAML 1.2\n---\ny: 2\n',
    ]);
  });
});
