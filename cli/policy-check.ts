/**
 * `eval-sandbox policy check [--output text|json|sarif|junit] PATH…`: evaluates every object in the
 * given YAML or JSON files (or folders of them, or `-` for stdin) against the admission policy
 * pack, as if created in a sandbox namespace, with the same CEL the cluster runs.
 *
 * Exit codes: 0 all admitted, 1 any rejected, 2 unreadable or unparsable input (nothing evaluated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectInputFiles, InputError } from './input-files';
import { Composer, LineCounter, Parser } from 'yaml';
import { PolicyEvaluator, UserInfo } from '../policies/k8s/evaluate';
import { ALL_RULES } from '../policies/k8s/rules';
import type { KubeObject } from '../policies/k8s/pack';

/** Input that cannot be read or parsed; names the file. Exit code 2. */
export { InputError };

/** One object of one file. */
export interface LoadedObject {
  readonly file: string;
  readonly object: KubeObject;
}

/** The result for one object (the `--output json` element). */
export interface CheckResult {
  readonly file: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly admitted: boolean;
  readonly violations: { rule: string; message: string }[];
}

/** The name stdin goes by in reports (`-` on the command line). */
export const STDIN = '(stdin)';

/** The files named by `paths`: files as given, folders walked for .yaml/.yml/.json, sorted; `-` is stdin. */
export function collectFiles(paths: string[]): string[] {
  const files = collectInputFiles(
    paths.filter((p) => p !== '-'),
    ['.yaml', '.yml', '.json'],
  );
  return paths.includes('-') ? [...files, STDIN] : files;
}

/** What to leave out instead of judging or refusing. */
export interface SkipOptions {
  /** Documents without apiVersion or kind (or that are not mappings) are skipped, not an error. */
  readonly nonKubernetes?: boolean;
  /** Kinds not to judge. */
  readonly kinds?: readonly string[];
}

/** What loading a file found besides objects: skipped documents and warnings, for stderr. */
export interface LoadNotes {
  readonly notes: string[];
}

/**
 * The YAML documents of `text` as plain values, one at a time: the parser's tree of one document
 * is dropped before the next is read, so memory grows with the largest document, not the file.
 */
function* yamlValues(file: string, text: string): Generator<unknown> {
  const lines = new LineCounter();
  const composer = new Composer();
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text), true)) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const { line, col } = lines.linePos(e.pos[0]);
      const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new InputError(`${file}: not valid YAML at line ${line}, column ${col} (${what})`);
    }
    try {
      yield doc.toJS();
    } catch (err) {
      // The YAML library refuses alias bombs ("Excessive alias count …") while converting.
      throw new InputError(`${file}: refused (${(err as Error).message})`);
    }
  }
}

/**
 * The Kubernetes objects of one file (multi-document YAML, JSON, `kind: List`), one document at a
 * time. `read` supplies the text of {@link STDIN}; skipped documents and warnings go to `notes`.
 */
export function* fileObjects(
  file: string,
  skip: SkipOptions = {},
  notes: string[] = [],
  read: () => string = () => fs.readFileSync(0, 'utf8'),
): Generator<LoadedObject> {
  let text: string;
  try {
    text = file === STDIN ? read() : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let values: Iterable<unknown>;
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      values = [JSON.parse(text)];
    } catch (err) {
      throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    values = yamlValues(file, text);
  }
  let index = 0;
  let any = false;
  for (const value of values) {
    index++;
    if (value === null || value === undefined) continue; // an empty document
    any = true;
    const where = index > 1 || /^---/m.test(text) ? ` (document ${index})` : '';
    if (typeof value !== 'object' || Array.isArray(value)) {
      if (skip.nonKubernetes) {
        notes.push(`skipped: ${file}${where}: not a Kubernetes object`);
        continue;
      }
      throw new InputError(
        `${file}${where}: not a Kubernetes object; expected a mapping with apiVersion and kind ` +
          `(--skip-non-k8s skips such documents)`,
      );
    }
    const obj = value as KubeObject;
    const items: KubeObject[] =
      obj.kind === 'List' ||
      (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))
        ? obj.items
        : [obj];
    for (const item of items) {
      if (typeof item?.apiVersion !== 'string' || typeof item?.kind !== 'string') {
        if (skip.nonKubernetes) {
          notes.push(`skipped: ${file}${where}: no apiVersion or kind`);
          continue;
        }
        throw new InputError(
          `${file}${where}: object without apiVersion or kind; every object needs both ` +
            `(--skip-non-k8s skips such documents)`,
        );
      }
      if (skip.kinds?.includes(item.kind)) continue;
      yield { file, object: item };
    }
  }
  if (!any) notes.push(`warning: ${file}: no objects (the file is empty)`);
}

/**
 * Evaluates loaded objects against the pack (plus the `include`d rules), as the platform identity
 * or as `userInfo`.
 */
export function checkObjects(
  objects: Iterable<LoadedObject>,
  include: string[] = [],
  userInfo?: UserInfo,
): CheckResult[] {
  const evaluator = PolicyEvaluator.forPack({ include });
  const results: CheckResult[] = [];
  for (const { file, object } of objects) {
    const verdict = evaluator.evaluate(object, { userInfo });
    results.push({
      file,
      kind: object.kind,
      namespace: object.metadata?.namespace ?? null,
      name: object.metadata?.name ?? null,
      admitted: verdict.admitted,
      violations: verdict.violations,
    });
  }
  return results;
}

/** The text report. */
export function formatText(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results.filter((x) => !x.admitted)) {
    const id = [r.namespace, r.name ?? '(no name)'].filter((x) => x !== null).join('/');
    lines.push(`${r.file}: ${r.kind} ${id} rejected`);
    for (const v of r.violations) lines.push(`  - ${v.message}`);
  }
  const rejected = results.filter((x) => !x.admitted).length;
  const files = new Set(results.map((r) => r.file)).size;
  lines.push(
    `${results.length} objects in ${files} files: ${results.length - rejected} admitted, ${rejected} rejected`,
  );
  return lines.join('\n');
}

/** SARIF 2.1.0 for GitHub code scanning: one result per violation, located at its file. */
export function formatSarif(
  results: CheckResult[],
  rules: { id: string; title: string }[],
): string {
  const used = new Set(results.flatMap((r) => r.violations.map((v) => v.rule)));
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'eval-sandbox policy check',
              informationUri: 'https://www.npmjs.com/package/eval-sandbox',
              rules: rules
                .filter((r) => used.has(r.id))
                .map((r) => ({ id: r.id, shortDescription: { text: r.title } })),
            },
          },
          results: results.flatMap((r) =>
            r.violations.map((v) => ({
              ruleId: v.rule,
              level: 'error',
              message: {
                text: `${r.kind} ${[r.namespace, r.name].filter(Boolean).join('/')}: ${v.message}`,
              },
              locations: [{ physicalLocation: { artifactLocation: { uri: r.file } } }],
            })),
          ),
        },
      ],
    },
    null,
    2,
  );
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** JUnit XML: one test case per object, a failure per rejected one. */
export function formatJunit(results: CheckResult[]): string {
  const failures = results.filter((r) => !r.admitted).length;
  const cases = results.map((r) => {
    const name = xml(
      `${r.kind} ${[r.namespace, r.name ?? '(no name)'].filter((x) => x !== null).join('/')}`,
    );
    const head = `    <testcase classname="${xml(r.file)}" name="${name}"`;
    if (r.admitted) return `${head}/>`;
    const text = r.violations.map((v) => `${v.rule}: ${v.message}`).join('\n');
    return (
      `${head}>\n      <failure message="${xml(r.violations[0]?.message ?? 'rejected')}">` +
      `${xml(text)}</failure>\n    </testcase>`
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failures}">`,
    `  <testsuite name="eval-sandbox policy check" tests="${results.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}

const OUTPUTS = ['text', 'json', 'sarif', 'junit'];

/** Every rule id a violation can name, with its title (RuntimeClass admission's own refusal too). */
function ruleTitles(): { id: string; title: string }[] {
  return [
    ...ALL_RULES.map((r) => ({ id: r.id, title: r.title })),
    {
      id: 'admission:RuntimeClass',
      title: 'RuntimeClass admission: a pod may not set its own overhead',
    },
  ];
}

export interface PolicyCheckOptions {
  readonly output: string;
  /** Only the summary line (text output). */
  readonly quiet?: boolean;
  /** Skip documents that are not Kubernetes objects instead of failing (`--skip-non-k8s`). */
  readonly skipNonK8s?: boolean;
  /** Kinds not to judge (`--skip-kind`). */
  readonly skipKind?: string[];
  readonly include?: string[];
  /** Judge as this user (`--as`) instead of the platform identity. */
  readonly as?: string;
  /** Groups of the `--as` user (`--group`). */
  readonly group?: string[];
}

/** The identity `--as`/`--group` describe, `undefined` for the platform default, or a usage error. */
export function requestUser(options: PolicyCheckOptions): UserInfo | undefined | string {
  const groups = options.group ?? [];
  if (options.as === undefined)
    return groups.length > 0 ? '--group needs --as: name the user the groups belong to' : undefined;
  if (options.as.trim() === '') return '--as needs a user name';
  return {
    username: options.as,
    groups: [...new Set([...groups, 'system:authenticated'])],
  };
}

/** Runs the command; returns the exit code. Output goes through `write` (stdout) and `error` (stderr). */
export function runPolicyCheck(
  paths: string[],
  options: PolicyCheckOptions,
  write: (text: string) => void,
  error: (text: string) => void,
  readStdin: () => string = () => fs.readFileSync(0, 'utf8'),
): number {
  if (!OUTPUTS.includes(options.output)) {
    error(`--output must be one of ${OUTPUTS.join(', ')}, got '${options.output}'`);
    return 2;
  }
  const user = requestUser(options);
  if (typeof user === 'string') {
    error(user);
    return 2;
  }
  // Two passes over the input, one document in memory at a time: the first only checks that
  // everything parses (a bad file means nothing is evaluated, exit 2), the second evaluates.
  const notes: string[] = [];
  const skip = { nonKubernetes: options.skipNonK8s, kinds: options.skipKind };
  let files: string[];
  let stdin: string | undefined;
  const read = () => (stdin ??= readStdin());
  try {
    files = collectFiles(paths);
    for (const file of files) for (const _ of fileObjects(file, skip, notes, read)) void _;
  } catch (err) {
    if (err instanceof InputError) {
      error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let results: CheckResult[];
  try {
    const all = function* () {
      for (const file of files) yield* fileObjects(file, skip, [], read);
    };
    results = checkObjects(all(), options.include, user);
  } catch (err) {
    error(`error: ${(err as Error).message}`);
    return 2;
  }
  for (const note of notes) error(note);
  if (options.output === 'json') write(JSON.stringify(results, null, 2));
  else if (options.output === 'sarif') write(formatSarif(results, ruleTitles()));
  else if (options.output === 'junit') write(formatJunit(results));
  else if (options.quiet) write(formatText(results).split('\n').at(-1) ?? '');
  else write(formatText(results));
  return results.every((r) => r.admitted) ? 0 : 1;
}
