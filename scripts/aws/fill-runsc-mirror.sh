#!/usr/bin/env bash
# Fills the private runsc mirror that gVisor nodes install from, and prints the sha512 sums to put
# in stacks/environments.ts (runsc.runscSha512 and runsc.shimSha512).
#
#   scripts/aws/fill-runsc-mirror.sh RELEASE BUCKET
#   scripts/aws/fill-runsc-mirror.sh 20251110 eval-sandbox-prod-runsc-mirror
#   scripts/aws/fill-runsc-mirror.sh 20251110 -     # verify and print the sums only, upload nothing
#
# The sums depend on the release only, so the "-" form gives an environment its sums before its
# stack (and so its mirror bucket) exists; fill the bucket after the first apply.
#
# Needs: internet access to storage.googleapis.com (gVisor's official release bucket), curl,
# sha512sum, and AWS credentials that may write to BUCKET (the account stack's output runsc_mirror_bucket).
# It downloads runsc and containerd-shim-runsc-v1 of RELEASE with their published .sha512 files,
# verifies them, checks that runsc reports RELEASE, and uploads both under
# s3://BUCKET/gvisor/RELEASE/x86_64/, the path the node bootstrap reads.
#
# Trust: the published sums come from the same origin as the binaries, so they protect the download,
# not the origin. The sums this prints are then pinned in code: a mirror changed after today no
# longer matches, and nodes refuse it.
set -euo pipefail

usage() { echo "usage: $0 RELEASE BUCKET|-   (e.g. $0 20251110 eval-sandbox-prod-runsc-mirror)" >&2; exit 2; }
[ "$#" -eq 2 ] || usage
RELEASE="$1"
BUCKET="$2"
ARCH="${ARCH:-x86_64}"
[[ "$RELEASE" =~ ^[0-9]{8}(\.[0-9]+)?$ ]] || { echo "RELEASE must be a dated gVisor release such as 20251110, got '$RELEASE'" >&2; exit 2; }
tools=(curl sha512sum)
[ "$BUCKET" = "-" ] || tools+=(aws)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

URL="https://storage.googleapis.com/gvisor/releases/release/$RELEASE/$ARCH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

for file in runsc runsc.sha512 containerd-shim-runsc-v1 containerd-shim-runsc-v1.sha512; do
  curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 -o "$file" "$URL/$file"
done
sha512sum --check --strict runsc.sha512 containerd-shim-runsc-v1.sha512
chmod 0755 runsc containerd-shim-runsc-v1
# "runsc version release-20251110.0"; a bare date means .0.
expected="release-$RELEASE"
[[ "$RELEASE" == *.* ]] || expected="$expected.0"
# Read whole first: `| grep -q` under pipefail can fail on SIGPIPE when grep stops reading early.
version="$(./runsc --version)"
grep -qx "runsc version $expected" <<<"$version" || { echo "runsc does not report $expected" >&2; exit 1; }

if [ "$BUCKET" != "-" ]; then
  for file in runsc containerd-shim-runsc-v1; do
    aws s3 cp --only-show-errors "$file" "s3://$BUCKET/gvisor/$RELEASE/$ARCH/$file"
  done
  echo "Uploaded gVisor $RELEASE ($ARCH) to s3://$BUCKET/gvisor/$RELEASE/$ARCH/."
fi

runsc_sum="$(cut -d' ' -f1 runsc.sha512)"
shim_sum="$(cut -d' ' -f1 containerd-shim-runsc-v1.sha512)"
cat <<DONE
Verified gVisor $RELEASE ($ARCH). Put these in the environment's runsc block in stacks/environments.ts:

      release: '$RELEASE',
      runscSha512: '$runsc_sum',
      shimSha512: '$shim_sum',
DONE
