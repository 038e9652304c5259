/** Starting and stopping the real local node (cli/local/node.ts) for the node tiers. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { buildNodeTools, LocalNode, NodeTools } from '../../cli/local/node';
import { ROOT } from './tools';

export interface StartedNode {
  readonly plane: ControlPlane;
  readonly node: LocalNode;
  readonly tools: NodeTools;
  readonly stateDir: string;
}

/** Builds (or reuses) every tool, then starts a control plane and its node in a fresh state dir. */
export async function startLocalNode(prefix: string): Promise<StartedNode> {
  const [etcd, apiserver, controllerManager] = execFileSync(
    'bash',
    [path.join(ROOT, 'scripts', 'build-control-plane.sh')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
    .trim()
    .split('\n');
  const built = buildNodeTools(path.join(ROOT, 'scripts'));
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const { plane, node } = await LocalNode.start({
    tools: built.tools,
    imageRefs: built.refs,
    stateDir,
    scriptsDir: path.join(ROOT, 'scripts'),
    etcd,
    apiserver,
    controllerManager,
  });
  return { plane, node, tools: built.tools, stateDir };
}

/** Stops the node and its control plane and removes the state. */
export async function stopLocalNode(started: StartedNode | undefined): Promise<void> {
  if (!started) return;
  await started.plane.stop();
  await started.node.cleanup();
  fs.rmSync(started.stateDir, { recursive: true, force: true });
}

/** What the node tiers do with the API server and the node, bound to one started node. */
export interface NodeHelpers {
  /** Server-side applies each object as the admin, failing on the first refusal. */
  applyAll(objects: KubeObject[]): Promise<void>;
  /** GETs `url` as the admin; anything but 200 fails. */
  get(url: string): Promise<KubeObject>;
  /** Polls every second until `check` returns a value, or fails with what `describe` says. */
  until<T>(
    what: string,
    check: () => Promise<T | undefined>,
    timeoutMs: number,
    describe?: () => Promise<string>,
  ): Promise<T>;
  /** The pods of a Job. */
  jobPods(ns: string, job: string): Promise<KubeObject[]>;
  /** Waits for a Job to finish and returns its terminal condition (`Complete` or `Failed`). */
  finished(ns: string, job: string, timeoutMs?: number): Promise<KubeObject>;
  /** A namespace's events and pods and the kubelet's last lines, for a failure message. */
  explain(ns: string): Promise<string>;
}

export function nodeHelpers(started: StartedNode): NodeHelpers {
  const admin: KubeClient = started.plane.admin();
  const get = async (url: string): Promise<KubeObject> => {
    const res = await admin.request('GET', url);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body.message}`);
    return res.body;
  };
  const until: NodeHelpers['until'] = async (what, check, timeoutMs, describe = async () => '') => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`${what}: not after ${timeoutMs / 1000} s\n${await describe()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const explain = async (ns: string): Promise<string> => {
    const events = (await get(`/api/v1/namespaces/${ns}/events`)).items as KubeObject[];
    const pods = (await get(`/api/v1/namespaces/${ns}/pods`)).items as KubeObject[];
    return [
      ...events.map((e) => `event ${e.involvedObject?.name} ${e.reason}: ${e.message}`),
      ...pods.map((p) => `pod ${p.metadata.name}: ${JSON.stringify(p.status)}`),
      `--- kubelet.log ---\n${started.node.logTail('kubelet', 15)}`,
    ].join('\n');
  };
  return {
    applyAll: async (objects) => {
      for (const o of objects) {
        const res = await admin.apply(o);
        if (res.status >= 300)
          throw new Error(`apply ${o.kind}/${o.metadata.name}: ${res.status} ${res.body.message}`);
      }
    },
    get,
    until,
    jobPods: async (ns, job) =>
      (await get(`/api/v1/namespaces/${ns}/pods?labelSelector=job-name%3D${job}`)).items,
    explain,
    finished: (ns, job, timeoutMs = 180_000) =>
      until(
        `Job ${ns}/${job} finished`,
        async () => {
          const j = await get(`/apis/batch/v1/namespaces/${ns}/jobs/${job}`);
          return (j.status?.conditions ?? []).find(
            (c: KubeObject) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True',
          );
        },
        timeoutMs,
        () => explain(ns),
      ),
  };
}
