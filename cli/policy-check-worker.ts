/**
 * A worker thread of `eval-sandbox policy check`: judges the batches the process sends, with its
 * own evaluator, and answers each with its outcomes (see policy-judge.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Judge, JudgeSettings, JudgeTask } from './policy-judge';

/** What the process sends: a batch, numbered. */
export interface WorkerRequest {
  readonly seq: number;
  readonly task: JudgeTask;
}

/** What a worker answers: the batch's outcomes, or the error judging it threw. */
export type WorkerResponse =
  | { readonly seq: number; readonly outcomes: ReturnType<Judge['judge']> }
  | { readonly seq: number; readonly error: string };

if (parentPort) {
  const port = parentPort;
  const judge = new Judge(workerData as JudgeSettings);
  port.on('message', ({ seq, task }: WorkerRequest) => {
    let response: WorkerResponse;
    try {
      response = { seq, outcomes: judge.judge(task) };
    } catch (err) {
      response = { seq, error: (err as Error).message };
    }
    port.postMessage(response);
  });
}
