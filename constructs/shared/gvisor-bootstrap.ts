/**
 * The user data of gVisor nodes (framework-free, so it can be tested and shellchecked on its own):
 * a MIME multi-part document with an AL2023 `NodeConfig` that registers runsc with containerd 2, and
 * a shell part that installs a pinned, sha512-verified runsc from a private S3 mirror and fails
 * closed.
 */
import { GVISOR_RUNTIME_HANDLER } from './platform';

/** Where runsc's own configuration lives on the node. */
export const RUNSC_CONFIG_PATH = '/etc/containerd/runsc.toml';

export interface GvisorBootstrapOptions {
  /** Dated gVisor release, e.g. `20251110`. */
  readonly release: string;
  /** `s3://bucket/prefix` holding `<release>/x86_64/{runsc,containerd-shim-runsc-v1}`. */
  readonly mirror: string;
  /**
   * sha512 of runsc.
   *
   * @default - none: the node refuses to install runsc and masks its kubelet (fail closed)
   */
  readonly runscSha512?: string;
  /**
   * sha512 of containerd-shim-runsc-v1.
   *
   * @default - none: the node refuses to install the shim and masks its kubelet (fail closed)
   */
  readonly shimSha512?: string;
}

/**
 * The containerd 2 snippet nodeadm merges into its config: the CRI plugin path of containerd 2
 * (`io.containerd.cri.v1.runtime`; the containerd 1 path `io.containerd.grpc.v1.cri` would be
 * silently ignored), the runsc shim, and runsc's own config file.
 */
export function containerdSnippet(): string {
  return [
    `[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.${GVISOR_RUNTIME_HANDLER}]`,
    'runtime_type = "io.containerd.runsc.v1"',
    '',
    `[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.${GVISOR_RUNTIME_HANDLER}.options]`,
    `TypeUrl = "io.containerd.runsc.v1.options"`,
    `ConfigPath = "${RUNSC_CONFIG_PATH}"`,
    '',
  ].join('\n');
}

/** runsc's configuration: the systrap platform (no nested virtualisation needed on EC2). */
export function runscToml(): string {
  return ['[runsc_config]', '  platform = "systrap"', ''].join('\n');
}

/** The AL2023 NodeConfig part (nodeadm merges `spec.containerd.config` into containerd's config). */
export function nodeConfig(): string {
  const indent = (text: string, n: number) =>
    text
      .split('\n')
      .map((l) => (l === '' ? l : `${' '.repeat(n)}${l}`))
      .join('\n');
  return [
    '---',
    'apiVersion: node.eks.aws/v1alpha1',
    'kind: NodeConfig',
    'spec:',
    '  containerd:',
    '    config: |',
    indent(containerdSnippet(), 6).trimEnd(),
    '',
  ].join('\n');
}

/** The shell part: install the pinned runsc from the mirror, verify, configure; fail closed. */
export function installScript(o: GvisorBootstrapOptions): string {
  return `#!/usr/bin/env bash
# eval-sandbox: install gVisor ${o.release} from the private mirror, verified by sha512.
# On any failure the kubelet is stopped and masked: the node never becomes schedulable for
# sandbox pods without a verified runsc.
set -euo pipefail

RELEASE='${o.release}'
MIRROR='${o.mirror}/${o.release}/x86_64'
RUNSC_SHA512='${o.runscSha512 ?? ''}'
SHIM_SHA512='${o.shimSha512 ?? ''}'

fail() {
  echo "eval-sandbox: gVisor install failed: $*" >&2
  systemctl mask --now kubelet.service || true
  exit 1
}
trap 'fail "unexpected error on line $LINENO"' ERR

if [ -z "$RUNSC_SHA512" ] || [ -z "$SHIM_SHA512" ]; then
  fail "no sha512 configured for gVisor $RELEASE; set runscSha512 and shimSha512"
fi

workdir="$(mktemp -d)"
for binary in runsc containerd-shim-runsc-v1; do
  aws s3 cp --only-show-errors "$MIRROR/$binary" "$workdir/$binary" || fail "cannot download $binary from $MIRROR"
done
echo "$RUNSC_SHA512  $workdir/runsc" | sha512sum --check --strict --quiet - || fail "runsc does not match its sha512"
echo "$SHIM_SHA512  $workdir/containerd-shim-runsc-v1" | sha512sum --check --strict --quiet - || fail "containerd-shim-runsc-v1 does not match its sha512"
install -o root -g root -m 0755 "$workdir/runsc" "$workdir/containerd-shim-runsc-v1" /usr/local/bin/
rm -rf "$workdir"

install -d -m 0755 /etc/containerd
cat > ${RUNSC_CONFIG_PATH} <<'TOML'
${runscToml().trimEnd()}
TOML
/usr/local/bin/runsc --version >/dev/null || fail "the installed runsc does not run"
# containerd (configured by nodeadm from the NodeConfig part) finds the shim on PATH when the first
# gVisor pod starts: no restart needed.
echo "eval-sandbox: gVisor $RELEASE installed and verified"
`;
}

/** The MIME multi-part user data (NodeConfig first, then the install script). */
export function userData(o: GvisorBootstrapOptions): string {
  const boundary = 'EVAL-SANDBOX-BOUNDARY';
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: application/node.eks.aws',
    '',
    nodeConfig().trimEnd(),
    '',
    `--${boundary}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    '',
    installScript(o).trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ].join('\n');
}
