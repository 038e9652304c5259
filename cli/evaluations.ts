/**
 * Evaluation specs (`kind: Evaluation`, `eval-sandbox.dev/v1alpha1`): small YAML files that describe
 * one run each. This module parses them, validates them against `schemas/evaluation.v1alpha1.json`
 * (the one source of truth for the format), maps a valid document to {@link EvaluationSandboxProps}
 * and builds the sandbox, so every construct validation applies too. Every problem is reported
 * with the file, line and column of the field it belongs to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectInputFiles, InputError } from './input-files';
import type { ErrorObject } from 'ajv/dist/2020';
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Document,
  LineCounter,
  Node as YamlNode,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
} from 'yaml';
import { manifestYaml } from './manifest-yaml';
import { EgressProtocol, EgressRule } from '../constructs/k8s/egress-policy';
import { EvaluationSandbox, EvaluationSandboxProps } from '../constructs/k8s/evaluation-sandbox';
import { EGRESS_GATEWAY_IMAGE } from '../constructs/shared/egress-gateway-image';
import { ValidationError } from '../constructs/shared/errors';
import type { EvaluationSpec } from './evaluation-spec.generated';
import { compileEvaluationSchema, SpecValidator } from './evaluation-schema';
import validateEvaluationSpec from './evaluation-validator.generated';

export { InputError };

/** The `apiVersion` of the format. */
export const EVALUATION_API_VERSION = 'eval-sandbox.dev/v1alpha1';
/** The schema file, relative to the package root. */
export const EVALUATION_SCHEMA = 'schemas/evaluation.v1alpha1.json';

/** One problem of one document, with where it is. */
export interface Problem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** The field, as a path (`spec.resources.cpu`), `(document)` or `yaml`. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** `file:line:col: field: message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.field}: ${p.message}`;
}

/** A document that follows the schema: the type generated from it (`npm run generate`). */
export type { EvaluationSpec };

/** A valid evaluation and its synthesized manifests. */
export interface Evaluation {
  readonly file: string;
  readonly name: string;
  readonly spec: EvaluationSpec;
  /** The sandbox namespace (`sbx-…`). */
  readonly namespace: string;
  /** The sandbox's objects as multi-document YAML, in the order cdk8s synthesizes them. */
  readonly manifest: string;
}

/** The result of loading spec files: the valid evaluations and every problem found. */
export interface LoadResult {
  readonly evaluations: Evaluation[];
  readonly problems: Problem[];
}

/** Finds schemas/evaluation.v1alpha1.json shipped with the package, upwards from this module. */
export function evaluationSchemaFile(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, EVALUATION_SCHEMA);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir)
      throw new Error(`${EVALUATION_SCHEMA} not found next to the package`);
  }
}

export type { SpecValidator };

/**
 * The validator of the schema (ajv, draft 2020-12, strict; `x-allowed` is our annotation): the one
 * `npm run generate` compiled from the shipped schema, or `file` compiled now with the same options
 * (cli/evaluation-schema.ts).
 */
export function evaluationValidator(file?: string): SpecValidator {
  if (file === undefined) return validateEvaluationSpec as SpecValidator;
  return compileEvaluationSchema(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
}

const DURATION = /^(?=[0-9])(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/;

/** A Go-style duration of whole hours, minutes and seconds (`1h30m`, `90m`, `0s`). */
export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`'${text}' is not a duration; use for example 1h, 90m or 1h30m`);
  const [h, min, s] = [m[1], m[2], m[3]].map((x) => (x === undefined ? 0 : Number(x)));
  return Duration.seconds(h * 3600 + min * 60 + s);
}

const SIZE_UNITS: Record<string, (n: number) => Size> = {
  Ki: Size.kibibytes,
  Mi: Size.mebibytes,
  Gi: Size.gibibytes,
  Ti: Size.tebibytes,
};

/** A quantity with a binary suffix (`512Mi`, `2Gi`). */
export function parseSize(text: string): Size {
  const m = /^([1-9][0-9]*)(Ki|Mi|Gi|Ti)$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a size; use for example 512Mi or 2Gi`);
  return SIZE_UNITS[m[2]](Number(m[1]));
}

/** Cores (`1`, `1.5`, `2`) or millicores (`500m`). */
export function parseCpu(value: string | number): kplus.Cpu {
  const text = String(value);
  if (/^[0-9]+m$/.test(text)) return kplus.Cpu.millis(Number(text.slice(0, -1)));
  const cores = Number(text);
  if (!Number.isFinite(cores)) throw new Error(`'${text}' is not a CPU amount; use 1, 1.5 or 500m`);
  return Number.isInteger(cores)
    ? kplus.Cpu.units(cores)
    : kplus.Cpu.millis(Math.round(cores * 1000));
}

/**
 * Platform-level settings a spec cannot carry: they are the same for every evaluation of a cluster.
 */
export interface EvaluationPlatform {
  /**
   * The egress gateway image (digest-pinned, Debian 12's squid), needed by specs with
   * `spec.egress.domains`.
   *
   * @default - $EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE, else the project's reproducible build
   *   (`EGRESS_GATEWAY_IMAGE`; push its archive to that repository)
   */
  readonly egressGatewayImage?: string;
  /**
   * The cluster's IPv4 Service CIDR, where gateway ClusterIPs are chosen.
   *
   * @default - $EVAL_SANDBOX_SERVICE_CIDR, else '172.20.0.0/16'
   */
  readonly serviceCidr?: string;
}

/** The platform settings from the environment (the CLI's defaults). */
export function platformFromEnv(env: NodeJS.ProcessEnv = process.env): EvaluationPlatform {
  return {
    egressGatewayImage: env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE || undefined,
    serviceCidr: env.EVAL_SANDBOX_SERVICE_CIDR || undefined,
  };
}

/** The construct message when a spec lists domains and the platform gave no gateway image. */

/** Maps a schema-valid document to the props of its {@link EvaluationSandbox}. */
export function toSandboxProps(
  doc: EvaluationSpec,
  platform: EvaluationPlatform = platformFromEnv(),
): EvaluationSandboxProps {
  const s = doc.spec;
  const egress: EgressRule[] = (s.egress?.allow ?? []).map((rule) => ({
    cidr: rule.cidr,
    ports: rule.ports,
    protocol: rule.protocol === undefined ? undefined : EgressProtocol[rule.protocol],
    allowAllPorts: rule.allowAllPorts,
  }));
  return {
    evaluationId: doc.metadata.name,
    provenanceLabels: doc.metadata.labels,
    image: s.image,
    command: s.command,
    args: s.args,
    env: s.env,
    cpu: parseCpu(s.resources.cpu),
    memory: parseSize(s.resources.memory),
    ephemeralStorage: parseSize(s.resources.ephemeralStorage),
    scratchSize: s.resources.scratch === undefined ? undefined : parseSize(s.resources.scratch),
    activeDeadline: parseDuration(s.timeout),
    ttlAfterFinished:
      s.ttlAfterFinished === undefined ? undefined : parseDuration(s.ttlAfterFinished),
    backoffLimit: s.retries,
    egress,
    allowClusterDns: s.egress?.allowClusterDns,
    ...(s.egress?.domains !== undefined
      ? {
          egressDomains: [...s.egress.domains],
          egressDomainPorts:
            s.egress.domainPorts === undefined ? undefined : [...s.egress.domainPorts],
          egressGatewayImage: platform.egressGatewayImage ?? EGRESS_GATEWAY_IMAGE,
          serviceCidr: platform.serviceCidr,
        }
      : {}),
  };
}

/**
 * Builds the sandbox of one evaluation in an app of its own and synthesizes it (which runs the
 * whole-tree validations too). Throws the constructs' {@link ValidationError}.
 */
export function synthEvaluation(
  doc: EvaluationSpec,
  platform: EvaluationPlatform = platformFromEnv(),
): { namespace: string; manifest: string } {
  const app = new App();
  const chart = new Chart(app, 'Evaluation', { disableResourceNameHashes: true });
  const sandbox = new EvaluationSandbox(chart, 'Sandbox', toSandboxProps(doc, platform));
  // What `app.synthYaml()` returns for an app of one chart (it would resolve the dependencies and
  // validate the app twice, and serialize through the `yaml` document model).
  const manifest = manifestYaml(chart.toJson());
  return { namespace: sandbox.namespace.name, manifest };
}

type Segment = string | number;

/** `spec.egress.allow[0].ports`, `metadata.labels['example.com/team']`. */
export function fieldName(segments: Segment[]): string {
  if (segments.length === 0) return '(document)';
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `['${seg}']`;
  }
  return out;
}

/** Splits an ajv `instancePath` (a JSON pointer) into keys and array indexes. */
function pointerSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let value = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      segments.push(Number(key));
      value = value[Number(key)];
    } else {
      segments.push(key);
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return segments;
}

/** The key and value nodes at `segments` (as deep as the document goes). */
function locate(doc: Document, segments: Segment[]): { key?: YamlNode; value?: YamlNode } {
  let value: unknown = doc.contents;
  let key: YamlNode | undefined;
  for (const seg of segments) {
    if (isMap(value)) {
      const pair = value.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return { key, value: value as YamlNode };
      key = pair.key as YamlNode;
      value = pair.value ?? undefined;
    } else if (isSeq(value) && typeof seg === 'number' && value.items[seg] !== undefined) {
      key = undefined;
      value = value.items[seg];
    } else {
      return { key, value: value as YamlNode | undefined };
    }
  }
  return { key, value: value as YamlNode | undefined };
}

function nodeOffset(node: YamlNode | undefined | null): number | undefined {
  return node?.range ? node.range[0] : undefined;
}

/** Where a problem of `segments` is: the value, else its key, else the document. */
function position(doc: Document, segments: Segment[], lines: LineCounter, atKey = false) {
  const { key, value } = locate(doc, segments);
  const offset =
    (atKey ? nodeOffset(key) : undefined) ??
    nodeOffset(value) ??
    nodeOffset(key) ??
    nodeOffset(doc.contents as YamlNode | null) ??
    doc.range?.[0] ??
    0;
  return lines.linePos(offset);
}

function allowedOf(schema: unknown): string {
  const allowed = (schema as { 'x-allowed'?: string } | undefined)?.['x-allowed'];
  return allowed ?? '';
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function with_(wrong: string, allowed: string): string {
  return allowed === '' ? wrong : `${wrong}; ${allowed}`;
}

/** Turns ajv's errors on one document into problems. */
function schemaProblems(
  file: string,
  doc: Document,
  data: unknown,
  errors: ErrorObject[],
  lines: LineCounter,
): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const push = (segments: Segment[], message: string, atKey = false) => {
    const { line, col } = position(doc, segments, lines, atKey);
    const field = fieldName(segments);
    const text = `${line}:${col}:${field}:${message}`;
    if (seen.has(text)) return;
    seen.add(text);
    problems.push({ file, line, col, field, message });
  };
  for (const e of errors) {
    const at = pointerSegments(e.instancePath, data);
    const parent = e.parentSchema as Record<string, unknown> | undefined;
    const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
    if (e.keyword === 'propertyNames') continue; // its sub-error names the key
    if (propertyName !== undefined) {
      push(
        [...at, propertyName],
        with_(`'${propertyName}' is not a valid key`, allowedOf(parent)),
        true,
      );
      continue;
    }
    const value = e.data;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((parent?.properties as object | undefined) ?? {});
        push([...at, extra], `unknown field; allowed here: ${known.join(', ')}`, true);
        break;
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        const props = (parent?.properties ?? {}) as Record<string, unknown>;
        push([...at, missing], with_('required field is missing', allowedOf(props[missing])));
        break;
      }
      case 'type': {
        const type = (e.params as { type: string | string[] }).type;
        const want = Array.isArray(type) ? type.join(' or ') : type;
        push(
          at,
          with_(
            `must be ${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want}, got ${show(value)}`,
            allowedOf(parent),
          ),
        );
        break;
      }
      case 'const':
        push(at, with_(`${show(value)} is not supported`, allowedOf(parent)));
        break;
      case 'enum':
        push(
          at,
          `${show(value)} is not allowed; use one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
        );
        break;
      case 'pattern':
      case 'maxLength':
      case 'minLength':
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
        push(at, with_(`${show(value)} is not valid`, allowedOf(parent)));
        break;
      case 'minItems':
        push(at, with_(`must not be empty`, allowedOf(parent)));
        break;
      default:
        push(at, with_(`${e.message ?? 'is not valid'}`, allowedOf(parent)));
    }
  }
  return problems;
}

/** Whether a construct error is about a key (a label or variable name) rather than its value. */
function aboutKey(message: string): boolean {
  return /^(provenanceLabels key|provenanceLabels may not set|env name)/.test(message);
}

/** The spec field a construct error is about, from the construct path and the message. */
export function constructField(
  constructPath: string,
  message: string,
  doc?: EvaluationSpec,
): Segment[] {
  const egress = /\/Namespace\/([0-9]+)(\/|$)/.exec(constructPath);
  if (egress) {
    const item: Segment[] = ['spec', 'egress', 'allow', Number(egress[1]) - 1];
    if (message.startsWith('cidr') || /^range /.test(message)) return [...item, 'cidr'];
    if (message.startsWith('ports') || message.startsWith('port')) return [...item, 'ports'];
    return item;
  }
  if (/\/EgressGateway(\/|$)/.test(constructPath)) {
    const item = /^(domains|ports)\[([0-9]+)\]/.exec(message);
    if (item) {
      return ['spec', 'egress', item[1] === 'domains' ? 'domains' : 'domainPorts', Number(item[2])];
    }
    if (message.startsWith('ports')) return ['spec', 'egress', 'domainPorts'];
    return ['spec', 'egress', 'domains'];
  }
  const quoted = /'([^']*)'/.exec(message)?.[1];
  const first = /^(?:the job's )?([A-Za-z]+)/.exec(message)?.[1] ?? '';
  switch (first) {
    case 'image':
      return ['spec', 'image'];
    case 'evaluationId':
    case 'jobName':
    case 'namespace':
      return ['metadata', 'name'];
    case 'provenanceLabels':
    case 'env': {
      const map: Segment[] = first === 'env' ? ['spec', 'env'] : ['metadata', 'labels'];
      return quoted === undefined ? map : [...map, quoted];
    }
    case 'cpu':
    case 'memory':
    case 'ephemeralStorage':
      return ['spec', 'resources', first];
    case 'scratchSize':
      // The scratch size is the spec's own field when it sets one; otherwise the default does not
      // fit the memory the spec asks for.
      return [
        'spec',
        'resources',
        doc?.spec.resources.scratch === undefined ? 'memory' : 'scratch',
      ];
    case 'activeDeadline':
      return ['spec', 'timeout'];
    case 'ttlAfterFinished':
      return ['spec', 'ttlAfterFinished'];
    case 'backoffLimit':
      return ['spec', 'retries'];
    default:
      return ['spec'];
  }
}

/** A construct message in the spec's words (the spec has no quota, scratch or deadline fields). */
function specMessage(message: string, segments: Segment[], doc: EvaluationSpec): string {
  const field = fieldName(segments);
  if (field === 'spec.timeout' && message.startsWith('activeDeadline')) {
    return `'${doc.spec.timeout}' is ${message.replace(/^.*; got /, '')} seconds; use at most 24h (the admission pack's bound)`;
  }
  if (field === 'spec.resources.scratch' && message.startsWith('scratchSize')) {
    return (
      `'${doc.spec.resources.scratch}' is more than memory '${doc.spec.resources.memory}'; the scratch ` +
      `volume at /tmp is memory-backed and charged to memory: lower scratch or raise memory`
    );
  }
  if (field === 'spec.resources.memory' && message.startsWith('scratchSize')) {
    const scratch = /^scratchSize '([^']+)'/.exec(message)?.[1] ?? '';
    return (
      `'${doc.spec.resources.memory}' cannot hold the ${scratch} memory-backed scratch volume at /tmp, ` +
      `which is charged to memory; use at least ${scratch}, or set a smaller spec.resources.scratch`
    );
  }
  return message.replace(
    /raise quota\w+ or lower (\w+)$/,
    'lower $1 (an Evaluation uses the default sandbox quota)',
  );
}

/**
 * Values that pass the schema and the constructs, put in place of a wrong field so that checking can
 * go on past it and report the document's other problems too. Fields not listed here are removed
 * (every optional field may be absent); a required field without a stand-in ends the checking of
 * its document after the problems found so far.
 */
const STAND_INS: readonly (readonly [RegExp, unknown])[] = [
  [/^apiVersion$/, EVALUATION_API_VERSION],
  [/^kind$/, 'Evaluation'],
  [/^metadata\.name$/, 'stand-in'],
  [/^spec\.image$/, `registry.example.com/stand-in@sha256:${'0'.repeat(64)}`],
  [/^spec\.resources\.cpu$/, '100m'],
  [/^spec\.resources\.memory$/, '1Gi'],
  [/^spec\.resources\.ephemeralStorage$/, '1Gi'],
  [/^spec\.timeout$/, '1h'],
  // Items of a list are replaced, not removed, so that the other items keep their indexes.
  [/^spec\.egress\.allow\[[0-9]+\]$/, { cidr: '10.255.255.0/24', ports: [443] }],
  [/^spec\.egress\.allow\[[0-9]+\]\.cidr$/, '10.255.255.0/24'],
  [/^spec\.egress\.domains\[[0-9]+\]$/, 'stand-in.example.org'],
  [/^spec\.egress\.domainPorts\[[0-9]+\]$/, 443],
  [/^spec\.egress\.allow\[[0-9]+\]\.ports$/, [443]],
  [/^spec\.(command|args)\[[0-9]+\]$/, 'stand-in'],
];

/**
 * Puts a stand-in at `segments` of `data` (or removes the field). Returns false when that is not
 * possible: the document itself, or a field whose parent is not a mapping or list.
 */
function standIn(data: unknown, segments: Segment[]): boolean {
  if (segments.length === 0) return false;
  let parent: unknown = data;
  for (const seg of segments.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<string | number, unknown>)[seg];
  }
  if (parent === null || typeof parent !== 'object') return false;
  const last = segments[segments.length - 1];
  const field = fieldName(segments);
  const known = STAND_INS.find(([pattern]) => pattern.test(field));
  const record = parent as Record<string | number, unknown>;
  if (known !== undefined) record[last] = structuredClone(known[1]);
  else if (Array.isArray(parent)) return false;
  else Reflect.deleteProperty(record, last);
  return true;
}

/** Whether one field path is the other or contains it. */
function overlaps(a: Segment[], b: Segment[]): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n).every((seg, i) => String(seg) === String(b[i]));
}

/** The fields of the schema errors, to put stand-ins at. */
function schemaErrorFields(errors: ErrorObject[], data: unknown): Segment[][] {
  return errors.flatMap((e): Segment[][] => {
    const at = pointerSegments(e.instancePath, data);
    const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
    if (e.keyword === 'propertyNames') return [];
    if (propertyName !== undefined) return [[...at, propertyName]];
    if (e.keyword === 'additionalProperties')
      return [[...at, (e.params as { additionalProperty: string }).additionalProperty]];
    if (e.keyword === 'required')
      return [[...at, (e.params as { missingProperty: string }).missingProperty]];
    return [at];
  });
}

/** The most rounds of stand-ins per document (each round fixes at least one field). */
const MAX_ROUNDS = 32;

/**
 * Checks one parsed document against the schema and then the constructs, and goes on past each
 * problem with a stand-in for the wrong field, so that one run reports every problem (the
 * constructs stop at their first). A construct problem about a field that holds a stand-in is an
 * artefact of the stand-in and is not reported.
 */
function checkDocument(
  file: string,
  doc: Document,
  data: unknown,
  lines: LineCounter,
  validate: SpecValidator,
): { evaluation?: Evaluation; problems: Problem[] } {
  const problems: Problem[] = [];
  const replaced: Segment[][] = [];
  const replace = (segments: Segment[]): boolean => {
    if (replaced.some((r) => String(r) === String(segments))) return false;
    replaced.push(segments);
    return standIn(data, segments);
  };

  for (let round = 0; !validate(data); round++) {
    const errors = validate.errors ?? [];
    // Only the first round's errors are the document's; later ones would be about stand-ins.
    if (round === 0) problems.push(...schemaProblems(file, doc, data, errors, lines));
    const fields = schemaErrorFields(errors, data);
    if (round === MAX_ROUNDS || !fields.map(replace).some(Boolean)) return { problems };
  }

  const spec = data as EvaluationSpec;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      const { namespace, manifest } = synthEvaluation(spec);
      if (problems.length > 0) return { problems };
      return {
        evaluation: { file, name: spec.metadata.name, spec, namespace, manifest },
        problems,
      };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const message = err.message.startsWith(`${err.path}: `)
        ? err.message.slice(err.path.length + 2)
        : err.message;
      const segments = constructField(err.path, message, spec);
      // A scratch problem involves the memory as well as the scratch size.
      const involved = message.startsWith('scratchSize')
        ? [segments, ['spec', 'resources', 'memory'], ['spec', 'resources', 'scratch']]
        : [segments];
      if (involved.some((field) => replaced.some((r) => overlaps(r, field)))) break;
      const { line, col } = position(doc, segments, lines, aboutKey(message));
      problems.push({
        file,
        line,
        col,
        field: fieldName(segments),
        message: specMessage(message, segments, spec),
      });
      if (!replace(segments)) break;
    }
  }
  return { problems };
}

/**
 * Checks the text of one file: YAML syntax, the schema, and the constructs, reporting every
 * problem of every document. Names are checked across files by {@link checkFiles}.
 */
export function checkText(
  file: string,
  text: string,
  validate: SpecValidator = evaluationValidator(),
): { evaluations: Evaluation[]; problems: Problem[]; names: NameAt[] } {
  const lines = new LineCounter();
  const problems: Problem[] = [];
  const names: NameAt[] = [];
  const evaluations: Evaluation[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const { line, col } = lines.linePos(e.pos[0]);
        problems.push({
          file,
          line,
          col,
          field: 'yaml',
          message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
        });
      }
      continue;
    }
    if (doc.contents === null) continue; // an empty document
    // The document's own data: checkDocument puts stand-ins into it.
    const data: unknown = doc.toJS();
    const name = (data as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (typeof name === 'string') {
      const { line, col } = position(doc, ['metadata', 'name'], lines);
      names.push({ name, file, line, col });
    }
    const r = checkDocument(file, doc, data, lines, validate);
    problems.push(...r.problems);
    if (r.evaluation !== undefined) evaluations.push(r.evaluation);
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col || byName(a.field, b.field));
  return { evaluations, problems, names };
}

/** Where a `metadata.name` is. */
export interface NameAt {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A duplicate-name problem for every name used before (across all files). */
export function duplicateNames(names: NameAt[]): Problem[] {
  const first = new Map<string, NameAt>();
  const problems: Problem[] = [];
  for (const n of names) {
    const earlier = first.get(n.name);
    if (earlier === undefined) {
      first.set(n.name, n);
      continue;
    }
    problems.push({
      file: n.file,
      line: n.line,
      col: n.col,
      field: 'metadata.name',
      message:
        `'${n.name}' is also the name of the evaluation at ${earlier.file}:${earlier.line}:${earlier.col}; ` +
        `names must be unique across all files (each becomes the namespace sbx-${n.name})`,
    });
  }
  return problems;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The spec files named by `paths`: files as given, folders walked for .yaml/.yml, sorted. */
export function collectSpecFiles(paths: string[]): string[] {
  return collectInputFiles(paths, ['.yaml', '.yml']);
}

/** Loads and checks every file (throws {@link InputError} for an unreadable one). */
export function checkFiles(
  files: string[],
  validate: SpecValidator = evaluationValidator(),
): LoadResult {
  const evaluations: Evaluation[] = [];
  const problems: Problem[] = [];
  const names: NameAt[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new InputError(
        `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    const r = checkText(file, text, validate);
    evaluations.push(...r.evaluations);
    problems.push(...r.problems);
    names.push(...r.names);
  }
  problems.push(...duplicateNames(names));
  const order = (p: Problem) => `${files.indexOf(p.file)}`.padStart(6, '0');
  problems.sort(
    (a, b) =>
      byName(order(a), order(b)) || a.line - b.line || a.col - b.col || byName(a.field, b.field),
  );
  return { evaluations, problems };
}
