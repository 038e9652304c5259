/**
 * Multi-document YAML of synthesized manifests, byte for byte what cdk8s's `Yaml.stringify(...docs)`
 * writes, without building the `yaml` library's document model for every object.
 *
 * cdk8s serializes each object through a `yaml` Document (YAML 1.1 schema, no line folding): a node
 * per value, a tag lookup per scalar, a context object per pair. For the plain JSON data a chart
 * synthesizes, the result depends only on the shape of the data and on how each string is written.
 * This module writes the shape itself (block mappings and sequences, two-space indent, `{}` and `[]`
 * for empty collections, integers, booleans, null) and decides strings in three ways:
 *
 * - a string of the common safe characters that no YAML 1.1 type would read as anything but a
 *   string (checked with the `yaml` library's own tag patterns) is written as is;
 * - any other one-line string is written the way cdk8s writes it: this module asks cdk8s's
 *   `Yaml.stringify` once per distinct string and remembers the answer;
 * - a multi-line value is a literal block scalar (`|`, `|-`, `|2`), the only form `yaml` picks
 *   for one without control characters, trailing blank lines or leading line breaks.
 *
 * Anything else (a float, a shared object, a class instance, a long key, a block scalar of
 * another form, a `yaml` of another major version) makes a document go through cdk8s's own
 * `Yaml.stringify`, so the output never depends on which path wrote it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';

/** The tag patterns of the `yaml` copy cdk8s loads; `undefined` when that copy is not `yaml` 2. */
interface ScalarPatterns {
  /** Patterns of the default non-string types: a plain string they match is quoted. */
  readonly notString: readonly RegExp[];
}

let patterns: ScalarPatterns | null | undefined;

/**
 * The patterns of the `yaml` package cdk8s itself resolves (it bundles its own copy), or null when
 * it is not major version 2, the one this module mirrors.
 */
function scalarPatterns(): ScalarPatterns | null {
  if (patterns !== undefined) return patterns;
  patterns = null;
  try {
    const from = [path.dirname(require.resolve('cdk8s'))];
    const pkgFile = require.resolve('yaml/package.json', { paths: from });
    const version = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version?: string }).version;
    if (version?.split('.')[0] !== '2') return patterns;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require(require.resolve('yaml', { paths: from })) as typeof import('yaml');
    const schema = new yaml.Document(undefined, { version: '1.1' }).schema;
    const notString: RegExp[] = [];
    for (const tag of [...schema.tags, ...(schema.compat ?? [])]) {
      const test = (tag as { test?: RegExp }).test;
      if (tag.default && tag.tag !== 'tag:yaml.org,2002:str' && test instanceof RegExp)
        notString.push(test);
    }
    patterns = { notString };
  } catch {
    patterns = null;
  }
  return patterns;
}

/** Thrown inside the writer when a value needs cdk8s's own serializer. */
class NeedsYamlLibrary extends Error {}

/**
 * Letters, digits and `_ . / @ + = : -`, not starting with `.`, `-`, `:` or an indicator and not
 * ending with `:`: no YAML indicator, comment, document marker or key separator can arise.
 */
const SAFE_CHARACTERS = /^[A-Za-z0-9_/][A-Za-z0-9_./@+=:-]*$/;

/**
 * Answers of {@link isPlain}: most strings of a manifest recur (keys, labels), the others (names,
 * digests) are dropped with the rest when the map is full, so memory stays flat with N.
 */
const plainAnswers = new Map<string, boolean>();
const MAX_PLAIN_ANSWERS = 4096;

function isPlain(text: string, p: ScalarPatterns): boolean {
  let plain = plainAnswers.get(text);
  if (plain !== undefined) return plain;
  plain = SAFE_CHARACTERS.test(text) && !text.endsWith(':');
  for (let i = 0; plain && i < p.notString.length; i++)
    if (p.notString[i].test(text)) plain = false;
  if (plainAnswers.size >= MAX_PLAIN_ANSWERS) plainAnswers.clear();
  plainAnswers.set(text, plain);
  return plain;
}

/**
 * Whether `text` holds a character `yaml` writes only in double quotes: a C0 or C1 control but tab
 * and line feed, or a surrogate (an emoji too, here: such a string is left to the library).
 */
function needsEscapes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f)) return true;
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Keys longer than this may become explicit (`? key`) keys; cdk8s's serializer writes them. */
const MAX_KEY_LENGTH = 1000;

const valueForms = new Map<string, string>();
const keyForms = new Map<string, string>();
const topKeyForms = new Map<string, string>();

/** How cdk8s writes a one-line string as a mapping value (the same at any depth). */
function valueForm(text: string): string {
  let form = valueForms.get(text);
  if (form === undefined) {
    const doc = Yaml.stringify({ k: text });
    if (!doc.startsWith('k: ') || !doc.endsWith('\n') || doc.indexOf('\n') !== doc.length - 1)
      throw new NeedsYamlLibrary();
    form = doc.slice(3, -1);
    valueForms.set(text, form);
  }
  return form;
}

/**
 * How cdk8s writes a one-line string as a mapping key; keys of the top-level mapping are asked
 * separately (a key that looks like a document marker is quoted only there).
 */
function keyForm(text: string, topLevel: boolean): string {
  const cache = topLevel ? topKeyForms : keyForms;
  let form = cache.get(text);
  if (form === undefined) {
    const doc = topLevel ? Yaml.stringify({ [text]: 0 }) : Yaml.stringify({ k: { [text]: 0 } });
    const prefix = topLevel ? '' : 'k:\n  ';
    if (!doc.startsWith(prefix) || !doc.endsWith(': 0\n')) throw new NeedsYamlLibrary();
    form = doc.slice(prefix.length, -': 0\n'.length);
    if (form.includes('\n')) throw new NeedsYamlLibrary();
    cache.set(text, form);
  }
  return form;
}

/**
 * A multi-line string as the literal block scalar `yaml` writes for it at `indent` (never empty
 * here), or a throw for the forms this module does not write: a control character, leading line
 * breaks, trailing blank lines (kept chomping), whitespace after the last line break.
 */
function literalBlock(text: string, indent: string): string {
  if (needsEscapes(text)) throw new NeedsYamlLibrary();
  // The trailing blanks and line breaks decide the chomping: none (strip, `-`) or one final line
  // break (clip); anything else is kept chomping or a quoted string, left to cdk8s's serializer.
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === ' ' || text[end - 1] === '\t'))
    end--;
  const trailing = text.slice(end);
  const lastBreak = trailing.indexOf('\n');
  let chomp: string;
  let body: string;
  if (lastBreak === -1) {
    chomp = '-';
    body = text;
  } else if (end > 0 && lastBreak === trailing.length - 1) {
    chomp = '';
    body = text.slice(0, -1);
  } else {
    throw new NeedsYamlLibrary();
  }
  let start = 0;
  while (start < body.length && body[start] === ' ') start++;
  if (body[start] === '\n') throw new NeedsYamlLibrary();
  const header = `|${start > 0 ? '2' : ''}${chomp}`;
  return `${header}\n${indent}${body.replace(/\n+/g, (breaks) => breaks + indent)}`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** Writes one document's data; throws {@link NeedsYamlLibrary} for what it does not mirror. */
class Writer {
  private readonly seen = new Set<object>();
  private readonly out: string[] = [];

  constructor(private readonly p: ScalarPatterns) {}

  /** A scalar value at `indent` (the indent of its block scalar lines). */
  private scalar(value: unknown, indent: string): string {
    switch (typeof value) {
      case 'string':
        if (isPlain(value, this.p)) return value;
        if (!value.includes('\n')) return valueForm(value);
        return literalBlock(value, indent);
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
        throw new NeedsYamlLibrary();
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return 'null';
      default:
        if (value === null) return 'null';
        throw new NeedsYamlLibrary();
    }
  }

  private key(key: string, indent: string): string {
    if (key.length > MAX_KEY_LENGTH || key.includes('\n')) throw new NeedsYamlLibrary();
    if (isPlain(key, this.p)) return key;
    return keyForm(key, indent === '  ');
  }

  /**
   * Appends `value` as `yaml` writes it in a context of indent `indent`: a collection's first line
   * without the indent, its other lines with it.
   */
  public write(value: unknown, indent: string): void {
    const out = this.out;
    if (value === null || typeof value !== 'object') {
      out.push(this.scalar(value, indent));
      return;
    }
    if (this.seen.has(value)) throw new NeedsYamlLibrary(); // `yaml` would write an alias
    this.seen.add(value);
    if (Array.isArray(value)) {
      if (value.length === 0) {
        out.push('[]');
        return;
      }
      const itemIndent = `${indent}  `;
      for (let i = 0; i < value.length; i++) {
        out.push(i > 0 ? `\n${indent}- ` : '- ');
        this.write(value[i], itemIndent);
      }
      return;
    }
    if (!isPlainObject(value)) throw new NeedsYamlLibrary();
    const keys = Object.keys(value);
    if (keys.length === 0) {
      out.push('{}');
      return;
    }
    const pairIndent = `${indent}  `;
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out.push(`\n${indent}`);
      const item = value[keys[i]];
      out.push(this.key(keys[i], pairIndent));
      if (item !== null && typeof item === 'object') {
        const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
        out.push(empty ? ': ' : `:\n${pairIndent}`);
        this.write(item, pairIndent);
      } else {
        out.push(': ', this.scalar(item, pairIndent));
      }
    }
  }

  /** The document: written in pieces, joined once (one flat string, not a rope of pieces). */
  public document(doc: object): string {
    this.write(doc, '');
    this.out.push('\n');
    return this.out.join('');
  }
}

/**
 * One document as this module writes it, or `undefined` when it is left to cdk8s's serializer
 * (exported for the tests, which check both that the two agree and that manifests take this path).
 */
export function writtenDirectly(doc: unknown): string | undefined {
  const p = scalarPatterns();
  if (p === null || doc === null || typeof doc !== 'object') return undefined;
  try {
    return new Writer(p).document(doc);
  } catch (err) {
    if (err instanceof NeedsYamlLibrary) return undefined;
    throw err;
  }
}

/** One document as cdk8s writes it (`Yaml.stringify(doc)`). */
export function documentYaml(doc: unknown): string {
  return writtenDirectly(doc) ?? Yaml.stringify(doc);
}

/** Documents as cdk8s writes them (`Yaml.stringify(...docs)`): `---` between documents. */
export function manifestYaml(docs: readonly unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : documentYaml(d))).join('---\n');
}
