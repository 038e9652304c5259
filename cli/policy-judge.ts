/**
 * Judging a batch of document chunks of one file: load each chunk's documents, list every object,
 * evaluate it against the pack. The same code runs in the `policy check` process and in its
 * worker threads; what it returns is plain data (structured-clone safe), in document order, so the
 * process can put the report together in order whatever thread judged a batch.
 */
import { PolicyEvaluator, UserInfo } from '../policies/k8s/evaluate';
import type { KubeObject } from '../policies/k8s/pack';
import { DocumentChunk, loadChunk, YamlError, YamlRefused } from './yaml-documents';

/** The verdict for one object, without its file (the `--output json` element minus `file`). */
export interface ObjectVerdict {
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly admitted: boolean;
  readonly violations: { rule: string; message: string }[];
}

/**
 * One document: `empty` (nothing in it), `not-object` (a scalar or a list), or its objects: each a
 * verdict, or `no-kind` (no apiVersion or kind). Objects of skipped kinds are left out.
 */
export type DocumentOutcome = 'empty' | 'not-object' | (ObjectVerdict | 'no-kind')[];

/** One chunk: its documents, or why it could not be read. */
export type ChunkOutcome =
  | { readonly documents: DocumentOutcome[] }
  | { readonly yamlError: string }
  | { readonly refused: string };

/** A batch of chunks of one file to judge. */
export interface JudgeTask {
  readonly chunks: readonly DocumentChunk[];
  /** The file is JSON: each chunk is the whole file. */
  readonly json: boolean;
}

/** How to judge: the same for every batch of a run. */
export interface JudgeSettings {
  /** Off-by-default rules to enforce too. */
  readonly include: string[];
  /** Kinds not to judge. */
  readonly skipKinds: readonly string[];
  /** The identity judged as; `undefined` for the platform identity. */
  readonly userInfo: UserInfo | undefined;
}

/** Judges batches with one evaluator (compiling the pack once). */
export class Judge {
  private readonly evaluator: PolicyEvaluator;

  constructor(private readonly settings: JudgeSettings) {
    this.evaluator = PolicyEvaluator.forPack({ include: settings.include });
  }

  /** The outcome of every chunk of `task`, in order. */
  public judge(task: JudgeTask): ChunkOutcome[] {
    return task.chunks.map((chunk) => this.judgeChunk(chunk, task.json));
  }

  private judgeChunk(chunk: DocumentChunk, json: boolean): ChunkOutcome {
    let values: unknown[];
    if (json) {
      try {
        values = [JSON.parse(chunk.text)];
      } catch (err) {
        return { yamlError: `not valid JSON (${(err as Error).message})` };
      }
    } else {
      try {
        values = loadChunk(chunk);
      } catch (err) {
        if (err instanceof YamlError) return { yamlError: err.message };
        if (err instanceof YamlRefused) return { refused: err.message };
        throw err;
      }
    }
    return { documents: values.map((value) => this.judgeDocument(value)) };
  }

  private judgeDocument(value: unknown): DocumentOutcome {
    if (value === null || value === undefined) return 'empty';
    if (typeof value !== 'object' || Array.isArray(value)) return 'not-object';
    const obj = value as KubeObject;
    const items: KubeObject[] =
      obj.kind === 'List' ||
      (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))
        ? obj.items
        : [obj];
    const outcomes: (ObjectVerdict | 'no-kind')[] = [];
    for (const item of items) {
      if (typeof item?.apiVersion !== 'string' || typeof item?.kind !== 'string') {
        outcomes.push('no-kind');
        continue;
      }
      if (this.settings.skipKinds.includes(item.kind)) continue;
      const verdict = this.evaluator.evaluate(item, { userInfo: this.settings.userInfo });
      outcomes.push({
        kind: item.kind,
        namespace: item.metadata?.namespace ?? null,
        name: item.metadata?.name ?? null,
        admitted: verdict.admitted,
        violations: verdict.violations,
      });
    }
    return outcomes;
  }
}
