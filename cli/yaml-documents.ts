/**
 * Reading many YAML documents fast, with the semantics of the `yaml` library's YAML 1.2 core
 * schema (what `policy check` has always read), one document group at a time.
 *
 * Two parts:
 * - {@link yamlChunks} cuts a stream of text into groups of whole documents before `---` lines, so
 *   a file is never held whole and memory grows with the largest document, not the file. A `---`
 *   line at column 0 is a document marker wherever it is (YAML 1.2 forbids such a line inside a
 *   document's content, even inside a quoted or block scalar), so a cut never splits a valid
 *   document. Where a cut would change what the `yaml` library reports for invalid text (a quoted
 *   scalar running over the marker), policy check reads the whole file again on that error path.
 * - {@link loadChunk} loads one group. Plain manifests go through js-yaml with a schema that
 *   resolves plain scalars exactly as the YAML 1.2 core schema does (about ten times faster than
 *   the `yaml` library's document model). Everything whose meaning could differ between the two
 *   libraries goes to the `yaml` library instead ({@link SLOW_PATH}): anchors, aliases (and so
 *   alias bombs), tags, directives, explicit, complex and null keys, merge keys, tabs, quoted
 *   scalars over several lines, and any group js-yaml refuses (so every error message is the `yaml`
 *   library's). The differential test (test/cli/yaml-documents.test.ts) compares the two on the
 *   repository's manifests, corner cases and 6,000 random mutations of them; every rule in
 *   {@link SLOW_PATH} was added for a difference it found.
 */
import * as jsYaml from 'js-yaml';
import { Composer, LineCounter, Parser } from 'yaml';

/** Some whole documents of one input, and the line (1-based) their text starts on. */
export interface DocumentChunk {
  readonly text: string;
  readonly line: number;
  /** Whether the input has more text after this chunk. */
  readonly last: boolean;
}

/** A document the `yaml` library cannot read; `line`/`col` are 1-based, in the whole input. */
export class YamlError extends Error {
  constructor(
    public readonly line: number,
    public readonly col: number,
    public readonly reason: string,
  ) {
    super(`not valid YAML at line ${line}, column ${col} (${reason})`);
  }
}

/** What refusing a document while converting it says (alias bombs: "Excessive alias count …"). */
export class YamlRefused extends Error {}

// Where a chunk may end: before a line that is a document marker alone (`---`, perhaps with a
// comment). A marker with content after it (`--- |`, `--- 2`) stays inside a chunk: how the `yaml`
// library reads such a line depends on the document before it.
const MARKER = /^---(?:[ \t]+#[^\n]*)?[ \t]*\r?(?:\n|$)/;
// Text with a line that is not blank or a comment (a byte order mark counts as blank).
const CONTENT = /^(?![ \t\uFEFF]*(?:#|\r?$))/m;
const TRIVIA = /^[ \t\uFEFF]*(?:#.*)?\r?$/;

/** Whether the last line of `text` that is not blank or a comment is a directive. */
function directiveLast(text: string): boolean {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--)
    if (!TRIVIA.test(lines[i])) return lines[i][0] === '%';
  return false;
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Cuts `pieces` (the input's text in order, split anywhere) into chunks of whole documents. A chunk
 * ends before a `---` line, unless everything before that line is blank lines and comments (they
 * stay with the document they precede) or the last such line is a directive (`%YAML`), which
 * belongs to the document after it.
 */
export function* yamlChunks(pieces: Iterable<string>): Generator<DocumentChunk> {
  let buffer = ''; // text not yet cut; `pos` is where the current chunk starts in it
  let pos = 0;
  let line = 1; // the line `pos` is on
  let from = 0; // where to look for the next marker
  let held: { text: string; line: number } | undefined; // cut, waiting to learn if it is the last
  const cut = function* (end: boolean): Generator<DocumentChunk> {
    for (let nl = buffer.indexOf('\n---', from); nl !== -1; nl = buffer.indexOf('\n---', from)) {
      const at = nl + 1;
      const eol = buffer.indexOf('\n', at);
      if (eol === -1 && !end) break; // the marker's line is not read to its end yet
      from = at;
      const head = buffer.slice(pos, at);
      if (
        !MARKER.test(buffer.slice(at, eol === -1 ? undefined : eol + 1)) ||
        !CONTENT.test(head) ||
        directiveLast(head)
      )
        continue;
      if (held) yield { ...held, last: false };
      held = { text: head, line };
      line += newlines(head);
      pos = at;
    }
  };
  for (const piece of pieces) {
    buffer = buffer.slice(pos) + piece;
    from = Math.max(0, from - pos);
    pos = 0;
    yield* cut(false);
  }
  yield* cut(true);
  const rest = buffer.slice(pos);
  if (held) yield { ...held, last: rest === '' };
  // Empty input is one chunk too: one empty document, as the `yaml` library reads it.
  if (rest !== '' || !held) yield { text: rest, line, last: true };
}

// The YAML 1.2 core schema's plain-scalar resolution (YAML 1.2.2, section 10.3.2), as the `yaml`
// library implements it: the same patterns, and the same conversions (parseInt, parseFloat).
const core = [
  new jsYaml.Type('tag:yaml.org,2002:null', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:~|[Nn]ull|NULL)?$/.test(s),
    construct: () => null,
  }),
  new jsYaml.Type('tag:yaml.org,2002:bool', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
    construct: (s: string) => s[0] === 't' || s[0] === 'T',
  }),
  new jsYaml.Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(s),
    construct: (s: string) =>
      s.startsWith('0o')
        ? parseInt(s.slice(2), 8)
        : s.startsWith('0x')
          ? parseInt(s.slice(2), 16)
          : parseInt(s, 10),
  }),
  new jsYaml.Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (s: string) =>
      /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s) ||
      /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) ||
      /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s),
    construct: (s: string) =>
      s.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : s.slice(-3).toLowerCase() === 'inf'
          ? s[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY
          : parseFloat(s),
  }),
];
const CORE_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({ implicit: core });

/**
 * Text the fast path leaves to the `yaml` library, because the two libraries read it differently
 * (each pattern was found by the differential test) or because only the `yaml` library guards it.
 * Plain text that merely looks like one of these is only slower.
 */
const SLOW_PATH = new RegExp(
  [
    // Anchors, aliases and tags (alias bombs are refused by the `yaml` library only).
    String.raw`(?:^|[\s,[{])[&*!]`,
    // Directives, explicit keys, merge keys.
    String.raw`^%`,
    String.raw`(?:^|[\s,[{])\?(?:\s|$)`,
    String.raw`<<`,
    // A null or empty key (the `yaml` library names it ""), or any colon right after a blank or a
    // flow indicator (`[a, :b]`).
    String.raw`(?:^|[\s,[{?-])(?:~|null|Null|NULL)?[ \t]*:`,
    // A flow collection as a key (`[a]: b`).
    String.raw`(?:^|[\s,[{?-])[[{][^\n]*[\]}][ \t]*:(?:[ \t\r]|$)`,
    // A flow collection left open at the end of a line, a sequence entry with nothing after its
    // dash: js-yaml accepts them at indentations the `yaml` library refuses.
    String.raw`[[{][^\]}\n]*$`,
    String.raw`^[ ]*-[ ]*\r?$`,
    // A comment right after a flow collection or a quote (`[a]#`), which only js-yaml accepts.
    String.raw`[\]}"']#`,
    // `---` or `...` at a line start followed by anything but blanks and a comment (`----`,
    // `--- 2`), which the two read differently.
    String.raw`^(?:---|\.\.\.)(?:[^\s]|[ \t]+[^\s#])`,
    // A tab (js-yaml accepts tabs as indentation), a carriage return without a line feed (a line
    // break to one library only), a byte order mark inside the text.
    String.raw`\t`,
    String.raw`\r(?!\n)`,
    '\uFEFF',
  ].join('|'),
  'm',
);

/** Lines with a quote in them. */
const QUOTED_LINE = /^.*["'].*$/gm;

/**
 * Whether a quoted scalar is left open at the end of a line (one over several lines, where js-yaml
 * accepts indentation the `yaml` library refuses). A quote opens a scalar only at the start of a
 * line or after a blank, `[`, `{` or `,` (elsewhere, as in `it's`, it is text); a comment ends the line.
 */
function openQuote(text: string): boolean {
  for (const [line] of text.matchAll(QUOTED_LINE)) {
    let quote = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') quote = '';
      } else if (quote === "'") {
        if (c === "'" && line[i + 1] === "'") i++;
        else if (c === "'") quote = '';
      } else if (
        (c === '"' || c === "'" || c === '#') &&
        (i === 0 || /[ \t,[{]/.test(line[i - 1]))
      ) {
        if (c === '#') break;
        quote = c;
      }
    }
    if (quote !== '') return true;
  }
  return false;
}

/**
 * The first error the `yaml` library finds in the whole `text`, as it reports it. A chunk's own error
 * can sit elsewhere (a quoted scalar running over a `---` line is cut in two), so the error path
 * reads the whole input again to report exactly what reading it whole reports.
 */
export function firstError(text: string): YamlError | YamlRefused | undefined {
  try {
    loadWithYaml({ text, line: 1, last: true });
  } catch (err) {
    if (err instanceof YamlError || err instanceof YamlRefused) return err;
    throw err;
  }
  return undefined;
}

/** Loads `chunk` with the `yaml` library: its values, or its first error (positions in the input). */
function loadWithYaml(chunk: DocumentChunk): unknown[] {
  const lines = new LineCounter();
  const values: unknown[] = [];
  for (const doc of new Composer().compose(new Parser(lines.addNewLine).parse(chunk.text), true)) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const { line, col } = lines.linePos(e.pos[0]);
      const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new YamlError(line + chunk.line - 1, col, what);
    }
    try {
      values.push(doc.toJS());
    } catch (err) {
      throw new YamlRefused((err as Error).message);
    }
  }
  return values;
}

/** How many chunks each path has loaded (the tests check that both are exercised). */
export const stats = { fast: 0, slow: 0 };

/**
 * The documents of `chunk` as plain values (`null` for an empty document), read as the `yaml`
 * library reads them. Throws {@link YamlError} or {@link YamlRefused}.
 */
export function loadChunk(chunk: DocumentChunk): unknown[] {
  // Blank text is one empty document to the `yaml` library, none to js-yaml.
  const text = chunk.text;
  // Blanks at the very end of the input: the `yaml` library keeps them in a plain scalar.
  if (text.trim() !== '' && !SLOW_PATH.test(text) && !/[ \t]$/.test(text) && !openQuote(text)) {
    try {
      const values = jsYaml.loadAll(text, undefined, { schema: CORE_SCHEMA });
      stats.fast++;
      return values;
    } catch {
      // Refused: the `yaml` library says why, in its words.
    }
  }
  stats.slow++;
  return loadWithYaml(chunk);
}
