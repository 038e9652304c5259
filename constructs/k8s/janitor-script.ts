/**
 * The sandbox janitor's POSIX sh script: the decision table of `decide()` (janitor-logic.ts) with `kubectl` and
 * `-o jsonpath` (no jq). `test/constructs/k8s/janitor-script.test.ts` runs it against a fake
 * `kubectl` and compares every decision with `decide()`.
 */
import {
  EVALUATION_ID_LABEL,
  SANDBOX_EXPIRES_AT_ANNOTATION,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
  SANDBOX_OUTCOME_FAILED,
  SANDBOX_OUTCOME_LABEL,
} from '../shared/labels';
import { SANDBOX_NAMESPACE_PREFIX } from '../shared/platform';

/** A jsonpath key: dots inside the key escaped. */
const jp = (key: string) => key.replace(/\./g, '\\.');

/** The namespace listing: name|created|deleting|outcome|failed-at|expires-at (expires-at last: it takes any remainder). */
export const JANITOR_NAMESPACE_JSONPATH =
  '{range .items[*]}{.metadata.name}{"|"}{.metadata.creationTimestamp}{"|"}{.metadata.deletionTimestamp}{"|"}' +
  `{.metadata.labels.${jp(SANDBOX_OUTCOME_LABEL)}}{"|"}{.metadata.annotations.${jp(SANDBOX_FAILED_AT_ANNOTATION)}}{"|"}` +
  `{.metadata.annotations.${jp(SANDBOX_EXPIRES_AT_ANNOTATION)}}{"\\n"}{end}`;

/** The Job listing: `namespace name ,Cond1,Cond2,` (the conditions that are True). */
export const JANITOR_JOB_JSONPATH =
  '{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" ,"}' +
  '{range .status.conditions[?(@.status=="True")]}{.type}{","}{end}{"\\n"}{end}';

/**
 * The script. Reads `GRACE_SECONDS` and `RETENTION_SECONDS` (and `JANITOR_NOW`, epoch seconds,
 * for tests); prints one `action namespace reason` line per sandbox; exits 1 if a kubectl call
 * failed (after trying every namespace). Needs `sh`, `date -u -d @N`, `tr`, `mktemp`, `kubectl`.
 */
export function janitorScript(): string {
  const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const patch = JSON.stringify({
    metadata: {
      labels: { [SANDBOX_OUTCOME_LABEL]: SANDBOX_OUTCOME_FAILED },
      annotations: { [SANDBOX_FAILED_AT_ANNOTATION]: '@NOW@' },
    },
  });
  const [patchHead, patchTail] = patch.split('@NOW@');
  return `#!/bin/sh
# eval-sandbox sandbox janitor: deletes finished sandbox namespaces, marks failed ones.
# Generated from constructs/k8s/janitor-script.ts; the decision table is decide() in janitor-logic.ts.
set -eu
: "\${GRACE_SECONDS:?}" "\${RETENTION_SECONDS:?}"
now=\${JANITOR_NOW:-$(date -u +%s)}
stamp() { date -u -d "@$1" +%Y%m%d%H%M%S; }
NOW_ISO=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)
NOW=$(stamp "$now")
GRACE=$(stamp $((now - GRACE_SECONDS)))
RETENTION=$(stamp $((now - RETENTION_SECONDS)))
valid() {
  case "$1" in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) return 0 ;;
    *) return 1 ;;
  esac
}
num() { printf '%s' "$1" | tr -d -- '-:TZ'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kubectl get jobs --all-namespaces -l ${sq(EVALUATION_ID_LABEL)} -o jsonpath=${sq(JANITOR_JOB_JSONPATH)} > "$work/jobs"
kubectl get namespaces -l ${sq(`${SANDBOX_NAMESPACE_LABEL}=${SANDBOX_NAMESPACE_LABEL_VALUE}`)} -o jsonpath=${sq(JANITOR_NAMESPACE_JSONPATH)} > "$work/namespaces"

decide() {
  if [ -n "$deleting" ]; then echo "keep|already being deleted"; return; fi
  if [ -n "$expires" ]; then
    if ! valid "$expires"; then echo "keep|expires-at is not YYYY-MM-DDTHH:MM:SSZ"; return; fi
    if [ "$(num "$expires")" -le "$NOW" ]; then echo "delete|expired"; return; fi
  fi
  total=0 running=0 failed=0
  while read -r jns _jname conds; do
    [ "$jns" = "$name" ] || continue
    total=$((total + 1))
    case "$conds" in
      *,Failed,*) failed=1 ;;
      *,Complete,*) ;;
      *) running=1 ;;
    esac
  done < "$work/jobs"
  if [ "$running" = 1 ]; then echo "keep|evaluation running"; return; fi
  marked=0
  [ "$outcome" = ${sq(SANDBOX_OUTCOME_FAILED)} ] && marked=1
  if [ "$failed" = 1 ] || [ "$marked" = 1 ]; then
    if [ "$marked" = 0 ] || ! valid "$failedat"; then echo "mark-failed|evaluation failed"; return; fi
    if [ "$(num "$failedat")" -le "$RETENTION" ]; then echo "delete|dead-letter retention passed"; else echo "keep|dead letter"; fi
    return
  fi
  if [ "$total" -gt 0 ]; then echo "delete|evaluation complete"; return; fi
  if [ "$(num "$created")" -le "$GRACE" ]; then echo "delete|no evaluation job after grace period"; else echo "keep|no evaluation job yet"; fi
}

status=0
while IFS='|' read -r name created deleting outcome failedat expires; do
  case "$name" in ${SANDBOX_NAMESPACE_PREFIX}*) ;; *) continue ;; esac
  verdict=$(decide)
  action=\${verdict%%|*}
  echo "$action $name \${verdict#*|}"
  case "$action" in
    delete) kubectl delete namespace "$name" --wait=false >&2 || status=1 ;;
    mark-failed)
      kubectl patch namespace "$name" --type=merge -p ${sq(patchHead)}"$NOW_ISO"${sq(patchTail)} >&2 || status=1 ;;
  esac
done < "$work/namespaces"
exit "$status"
`;
}
