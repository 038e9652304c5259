/**
 * `eval-sandbox policy check [--output text|json|sarif|junit] PATH…`: evaluates every object in the
 * given YAML or JSON files (or folders of them, or `-` for stdin) against the admission policy
 * pack, as if created in a sandbox namespace, with the same CEL the cluster runs.
 *
 * Exit codes: 0 all admitted, 1 any rejected, 2 unreadable or unparsable input (nothing evaluated).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import type { UserInfo } from '../policies/k8s/evaluate';
import { buildPolicyPack } from '../policies/k8s/pack';
import { ALL_RULES } from '../policies/k8s/rules';
import { collectInputFiles, InputError } from './input-files';
import type { WorkerRequest, WorkerResponse } from './policy-check-worker';
import { ChunkOutcome, Judge, JudgeSettings, JudgeTask, ObjectVerdict } from './policy-judge';
import { DocumentChunk, firstError, yamlChunks, YamlError } from './yaml-documents';

/** Input that cannot be read or parsed; names the file. Exit code 2. */
export { InputError };

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

/** The text of `file` in pieces of about 1 MiB, decoded as UTF-8 (a character is never split). */
function* filePieces(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer))
      yield decoder.write(buffer.subarray(0, n));
    yield decoder.end();
  } finally {
    fs.closeSync(fd);
  }
}

/** The pieces of `file`'s text; a read error names the file. */
function* readPieces(file: string, read: () => string): Generator<string> {
  try {
    if (file === STDIN) yield read();
    else yield* filePieces(file);
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Runs batches, in the process or on worker threads. */
interface Runner {
  submit(task: JudgeTask): Promise<ChunkOutcome[]>;
  close(): Promise<void>;
  /** How many batches may be on the way at once. */
  readonly window: number;
}

function inProcess(settings: JudgeSettings): Runner {
  const judge = new Judge(settings);
  return { submit: async (task) => judge.judge(task), close: async () => undefined, window: 1 };
}

/** The compiled worker; absent when running from the TypeScript sources (then no threads). */
const WORKER_FILE = path.join(__dirname, 'policy-check-worker.js');

/** Worker threads, each with its own evaluator; a batch goes to the one with the fewest on hand. */
class WorkerPool implements Runner {
  public readonly window: number;
  private readonly workers: { worker: Worker; busy: number }[];
  private readonly waiting = new Map<
    number,
    { resolve: (o: ChunkOutcome[]) => void; reject: (e: Error) => void; slot: number }
  >();
  private seq = 0;
  /** Why the pool cannot judge any more (a thread failed); later batches fail at once. */
  private failure: Error | undefined;

  constructor(size: number, settings: JudgeSettings) {
    this.window = size * 2;
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_FILE, { workerData: settings });
      worker.on('message', (r: WorkerResponse) => {
        const w = this.waiting.get(r.seq);
        if (!w) return;
        this.waiting.delete(r.seq);
        this.workers[w.slot].busy--;
        if ('error' in r) w.reject(new Error(r.error));
        else w.resolve(r.outcomes);
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => this.failAll(new Error(`a worker thread exited (${code})`)));
      return { worker, busy: 0 };
    });
  }

  public submit(task: JudgeTask): Promise<ChunkOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    let slot = 0;
    for (let i = 1; i < this.workers.length; i++)
      if (this.workers[i].busy < this.workers[slot].busy) slot = i;
    this.workers[slot].busy++;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject, slot });
      const request: WorkerRequest = { seq, task };
      this.workers[slot].worker.postMessage(request);
    });
  }

  public async close(): Promise<void> {
    for (const { worker } of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}

/** Bytes of document text per batch sent to a worker. */
const BATCH_BYTES = 64 * 1024;
/** Below this much input (bytes of files named), starting threads costs more than it saves. */
const THREADS_FROM_BYTES = 2 * 1024 * 1024;

/** How many threads to judge on: `--jobs`, else one per CPU for large input, else none. */
function threadCount(jobs: number | undefined, files: string[]): number {
  if (!fs.existsSync(WORKER_FILE)) return 1;
  if (jobs !== undefined) return jobs;
  let bytes = 0;
  for (const f of files) if (f !== STDIN) bytes += fs.statSync(f).size;
  return bytes >= THREADS_FROM_BYTES ? os.availableParallelism() : 1;
}

/** A batch on its way: its file, chunks, and outcome (or the error reading the file threw). */
interface Pending {
  readonly file: string;
  readonly json: boolean;
  readonly chunks: DocumentChunk[];
  readonly outcome?: Promise<ChunkOutcome[]>;
  readonly error?: unknown;
}

/**
 * Judges every object of `files`, in order: each verdict goes to `onVerdict`, skipped documents and
 * warnings to `notes`. Unreadable input throws {@link InputError} (the first in file order).
 */
async function judgeFiles(
  files: string[],
  read: () => string,
  runner: Runner,
  skipNonKubernetes: boolean,
  notes: string[],
  onVerdict: (file: string, verdict: ObjectVerdict) => void,
): Promise<void> {
  const queue: Pending[] = [];
  // Per file, as its batches are consumed in order.
  let current: { file: string; index: number; any: boolean } | undefined;
  const finishFile = () => {
    if (current && !current.any)
      notes.push(`warning: ${current.file}: no objects (the file is empty)`);
  };
  const consume = async (p: Pending) => {
    if (current?.file !== p.file) {
      finishFile();
      current = { file: p.file, index: 0, any: false };
    }
    if (p.error !== undefined) throw p.error;
    const state = current;
    const outcomes = await (p.outcome as Promise<ChunkOutcome[]>);
    outcomes.forEach((outcome, i) => {
      const chunk = p.chunks[i];
      if ('yamlError' in outcome || 'refused' in outcome) {
        // A chunk's error can sit elsewhere than reading the whole file puts it (a quoted scalar
        // over a `---` line is cut in two): report what reading the whole file reports.
        const exact = p.json ? undefined : firstError([...readPieces(p.file, read)].join(''));
        // The YAML library refuses alias bombs ("Excessive alias count …") while converting.
        let message: string;
        if (exact instanceof YamlError) message = exact.message;
        else if (exact) message = `refused (${exact.message})`;
        else if ('yamlError' in outcome) message = outcome.yamlError;
        else message = `refused (${outcome.refused})`;
        throw new InputError(`${p.file}: ${message}`);
      }
      for (const document of outcome.documents) {
        const index = ++state.index;
        if (document === 'empty') continue;
        state.any = true;
        // Documents of later chunks start with `---`.
        // Documents are named by index when there are several or the file marks them with `---`:
        // the first document is in the first chunk, and chunks after it start with `---`.
        const where =
          index > 1 || !chunk.last || /^---/m.test(chunk.text) ? ` (document ${index})` : '';
        const refuse = (what: string, problem: string) => {
          if (!skipNonKubernetes)
            throw new InputError(
              `${p.file}${where}: ${problem} (--skip-non-k8s skips such documents)`,
            );
          notes.push(`skipped: ${p.file}${where}: ${what}`);
        };
        if (document === 'not-object') {
          refuse(
            'not a Kubernetes object',
            'not a Kubernetes object; expected a mapping with apiVersion and kind',
          );
          continue;
        }
        for (const item of document) {
          if (item === 'no-kind')
            refuse(
              'no apiVersion or kind',
              'object without apiVersion or kind; every object needs both',
            );
          else onVerdict(p.file, item);
        }
      }
    });
  };
  const dispatch = async (p: Pending) => {
    queue.push(p);
    while (queue.length > runner.window) await consume(queue.shift() as Pending);
  };
  for (const file of files) {
    const json = path.extname(file).toLowerCase() === '.json';
    const pieces = readPieces(file, read);
    const chunks: Iterator<DocumentChunk> = json
      ? (function* () {
          yield { text: [...pieces].join(''), line: 1, last: true };
        })()
      : yamlChunks(pieces);
    // Only reading can throw here; the error takes its place in the queue, after what came before.
    let readError: unknown;
    const next = (): DocumentChunk | undefined => {
      try {
        const r = chunks.next();
        return r.done ? undefined : r.value;
      } catch (err) {
        readError = err;
        return undefined;
      }
    };
    let batch: DocumentChunk[] = [];
    let bytes = 0;
    let sent = false;
    const send = async () => {
      const outcome = runner.submit({ chunks: batch, json });
      outcome.catch(() => undefined); // awaited in order by consume(); never unhandled
      await dispatch({
        file,
        json,
        chunks: batch,
        outcome,
      });
      batch = [];
      bytes = 0;
      sent = true;
    };
    for (let chunk = next(); chunk; chunk = next()) {
      batch.push(chunk);
      bytes += chunk.text.length;
      if (bytes >= BATCH_BYTES) await send();
    }
    // An empty file still gets its (empty) batch, for its warning.
    if (batch.length > 0 || !sent) await send();
    if (readError !== undefined) await dispatch({ file, json, chunks: [], error: readError });
  }
  while (queue.length > 0) await consume(queue.shift() as Pending);
  finishFile();
}

/** How many objects and files were judged, and how many objects were rejected. */
export interface Summary {
  objects: number;
  files: number;
  rejected: number;
}

function summaryLine(s: Summary): string {
  return `${s.objects} objects in ${s.files} files: ${s.objects - s.rejected} admitted, ${s.rejected} rejected`;
}

/**
 * The text report: each rejected object with its violations, then the summary line (`results` may
 * hold only the rejected objects; `summary` counts them all).
 */
export function formatText(results: CheckResult[], summary: Summary): string {
  const lines: string[] = [];
  for (const r of results.filter((x) => !x.admitted)) {
    const id = [r.namespace, r.name ?? '(no name)'].filter((x) => x !== null).join('/');
    lines.push(`${r.file}: ${r.kind} ${id} rejected`);
    for (const v of r.violations) lines.push(`  - ${v.message}`);
  }
  lines.push(summaryLine(summary));
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
  /** Threads to judge on (`--jobs`; 1: in the process). @default one per CPU for 2 MiB of input or more, else 1 */
  readonly jobs?: string;
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
export async function runPolicyCheck(
  paths: string[],
  options: PolicyCheckOptions,
  write: (text: string) => void,
  error: (text: string) => void,
  readStdin: () => string = () => fs.readFileSync(0, 'utf8'),
): Promise<number> {
  if (!OUTPUTS.includes(options.output)) {
    error(`--output must be one of ${OUTPUTS.join(', ')}, got '${options.output}'`);
    return 2;
  }
  const jobs = options.jobs === undefined ? undefined : Number(options.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) {
    error(`--jobs must be a whole number from 1 to 64, got '${options.jobs}'`);
    return 2;
  }
  const user = requestUser(options);
  if (typeof user === 'string') {
    error(user);
    return 2;
  }
  // One pass, a few document groups in memory at a time. Nothing is reported until every file has
  // been read: a bad file means exit 2 and no verdicts, as if nothing had been evaluated.
  const notes: string[] = [];
  let stdin: string | undefined;
  const read = () => (stdin ??= readStdin());
  // The text report lists only rejected objects, so it keeps only those and counts the rest.
  const keepAdmitted = options.output !== 'text';
  const summary: Summary = { objects: 0, files: 0, rejected: 0 };
  const results: CheckResult[] = [];
  let lastFile: string | undefined;
  let runner: Runner | undefined;
  try {
    const files = collectFiles(paths);
    const settings: JudgeSettings = {
      include: options.include ?? [],
      skipKinds: options.skipKind ?? [],
      userInfo: user,
    };
    const threads = threadCount(jobs, files);
    if (threads > 1) {
      // Building the pack refuses an unknown --include here, before any thread starts (in the
      // process, the evaluator builds it and refuses it itself).
      buildPolicyPack({ include: settings.include });
      runner = new WorkerPool(threads, settings);
    } else {
      runner = inProcess(settings);
    }
    await judgeFiles(files, read, runner, options.skipNonK8s ?? false, notes, (file, v) => {
      summary.objects++;
      if (file !== lastFile) summary.files++;
      lastFile = file;
      if (!v.admitted) summary.rejected++;
      if (keepAdmitted || !v.admitted) results.push({ file, ...v });
    });
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    error(`error: ${err.message}`);
    return 2;
  } finally {
    await runner?.close();
  }
  for (const note of notes) error(note);
  if (options.output === 'json') write(JSON.stringify(results, null, 2));
  else if (options.output === 'sarif') write(formatSarif(results, ruleTitles()));
  else if (options.output === 'junit') write(formatJunit(results));
  else if (options.quiet) write(summaryLine(summary));
  else write(formatText(results, summary));
  return summary.rejected === 0 ? 0 : 1;
}
