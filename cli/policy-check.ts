/**
 * `eval-sandbox policy check [--output text|json] PATH…`: evaluates every object in the given YAML
 * or JSON files (or folders of them) against the admission policy pack, as if created in a sandbox
 * namespace, with the same CEL the cluster runs.
 *
 * Exit codes: 0 all admitted, 1 any rejected, 2 unreadable or unparsable input (nothing evaluated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectInputFiles, InputError } from './input-files';
import { parseAllDocuments } from 'yaml';
import { PolicyEvaluator, UserInfo } from '../policies/k8s/evaluate';
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

/** The files named by `paths`: files as given, folders walked for .yaml/.yml/.json, sorted. */
export function collectFiles(paths: string[]): string[] {
  return collectInputFiles(paths, ['.yaml', '.yml', '.json']);
}

/** Parses one file into Kubernetes objects (multi-document YAML, JSON, `kind: List`). */
export function loadFile(file: string): LoadedObject[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const values: unknown[] = [];
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      values.push(JSON.parse(text));
    } catch (err) {
      throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
        throw new InputError(`${file}: not valid YAML${where} (${e.message.split('\n')[0]})`);
      }
      values.push(doc.toJS());
    }
  }
  const objects: LoadedObject[] = [];
  values.forEach((value, i) => {
    if (value === null || value === undefined) return; // an empty document
    const where = values.length > 1 ? ` (document ${i + 1})` : '';
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(
        `${file}${where}: not a Kubernetes object; expected a mapping with apiVersion and kind`,
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
        throw new InputError(
          `${file}${where}: object without apiVersion or kind; every object needs both`,
        );
      }
      objects.push({ file, object: item });
    }
  });
  return objects;
}

/**
 * Evaluates loaded objects against the pack (plus the `include`d rules), as the platform identity
 * or as `userInfo`.
 */
export function checkObjects(
  objects: LoadedObject[],
  include: string[] = [],
  userInfo?: UserInfo,
): CheckResult[] {
  const evaluator = PolicyEvaluator.forPack({ include });
  return objects.map(({ file, object }) => {
    const verdict = evaluator.evaluate(object, { userInfo });
    return {
      file,
      kind: object.kind,
      namespace: object.metadata?.namespace ?? null,
      name: object.metadata?.name ?? null,
      admitted: verdict.admitted,
      violations: verdict.violations,
    };
  });
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

export interface PolicyCheckOptions {
  readonly output: string;
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
): number {
  if (options.output !== 'text' && options.output !== 'json') {
    error(`--output must be text or json, got '${options.output}'`);
    return 2;
  }
  const user = requestUser(options);
  if (typeof user === 'string') {
    error(user);
    return 2;
  }
  let objects: LoadedObject[];
  try {
    objects = collectFiles(paths).flatMap(loadFile);
  } catch (err) {
    if (err instanceof InputError) {
      error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let results: CheckResult[];
  try {
    results = checkObjects(objects, options.include, user);
  } catch (err) {
    error(`error: ${(err as Error).message}`);
    return 2;
  }
  write(options.output === 'json' ? JSON.stringify(results, null, 2) : formatText(results));
  return results.every((r) => r.admitted) ? 0 : 1;
}
