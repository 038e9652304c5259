/** Starting and stopping the real local node (cli/local/node.ts) for the node tiers. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../cli/local/control-plane';
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
