/**
 * The Terraform rule pack: runs every rule over a synthesized configuration and sorts the findings
 * into errors, warnings and acknowledged ones. Acknowledging a finding takes a written reason,
 * which the report shows.
 */
import { TfJson, TfModel } from './model';
import { TfFinding, TfRule } from './rule';
import { DEFAULT_SECURITY_GROUP_CLOSED } from './rules/default-security-group-closed';
import { ECR_IMMUTABLE_TAGS } from './rules/ecr-immutable-tags';
import { ECR_SCAN_ON_PUSH } from './rules/ecr-scan-on-push';
import { EKS_CONTROL_PLANE_LOGS } from './rules/eks-control-plane-logs';
import { EKS_PRIVATE_ENDPOINT } from './rules/eks-private-endpoint';
import { EKS_SECRETS_ENCRYPTION } from './rules/eks-secrets-encryption';
import { ENCRYPTED_VOLUMES } from './rules/encrypted-volumes';
import { IMDSV2 } from './rules/imdsv2';
import { KMS_ROTATION } from './rules/kms-rotation';
import { NO_WILDCARD_IAM } from './rules/no-wildcard-iam';
import { S3_PUBLIC_ACCESS_BLOCK } from './rules/s3-public-access-block';
import { S3_TLS_ONLY } from './rules/s3-tls-only';
import { VPC_FLOW_LOGS } from './rules/vpc-flow-logs';

/** Every Terraform rule, in id order. A test checks it against the files in rules/. */
export const TF_RULES: readonly TfRule[] = [
  EKS_PRIVATE_ENDPOINT,
  EKS_CONTROL_PLANE_LOGS,
  EKS_SECRETS_ENCRYPTION,
  IMDSV2,
  ENCRYPTED_VOLUMES,
  KMS_ROTATION,
  VPC_FLOW_LOGS,
  DEFAULT_SECURITY_GROUP_CLOSED,
  NO_WILDCARD_IAM,
  S3_PUBLIC_ACCESS_BLOCK,
  S3_TLS_ONLY,
  ECR_IMMUTABLE_TAGS,
  ECR_SCAN_ON_PUSH,
];

/** Accepts the findings of `rule` on resources whose construct path starts with `path`. */
export interface TfAcknowledgement {
  readonly rule: string;
  /** A construct path (prefix) or Terraform address. */
  readonly path: string;
  /** Why the finding is accepted: at least 20 characters, shown in every report. */
  readonly reason: string;
}

export interface TfReport {
  readonly errors: TfFinding[];
  readonly warnings: TfFinding[];
  readonly acknowledged: { finding: TfFinding; reason: string }[];
  /** Rules that found nothing. */
  readonly passed: string[];
}

/** Problems with acknowledgements (unknown rule, missing reason), or an empty list. */
export function checkAcknowledgements(acks: readonly TfAcknowledgement[]): string[] {
  return acks.flatMap((a, i) => {
    const problems: string[] = [];
    if (!TF_RULES.some((r) => r.id === a.rule))
      problems.push(`acknowledgements[${i}].rule '${a.rule}' is not a Terraform rule`);
    if (a.reason.trim().length < 20) {
      problems.push(
        `acknowledgements[${i}].reason must say why '${a.rule}' is accepted for '${a.path}' (at least 20 characters)`,
      );
    }
    if (a.path.trim() === '')
      problems.push(
        `acknowledgements[${i}].path is empty; name the construct path or Terraform address`,
      );
    return problems;
  });
}

/** Runs the pack over a synthesized Terraform JSON configuration. */
export function runTerraformRules(
  json: TfJson,
  acknowledgements: readonly TfAcknowledgement[] = [],
): TfReport {
  const problems = checkAcknowledgements(acknowledgements);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const model = new TfModel(json);
  const report: TfReport = { errors: [], warnings: [], acknowledged: [], passed: [] };
  for (const rule of TF_RULES) {
    const findings = rule.check(model);
    if (findings.length === 0) report.passed.push(rule.id);
    for (const f of findings) {
      const ack = acknowledgements.find(
        (a) =>
          a.rule === f.rule &&
          (f.resource === a.path || f.path === a.path || f.path.startsWith(`${a.path}/`)),
      );
      if (ack) report.acknowledged.push({ finding: f, reason: ack.reason });
      else (rule.severity === 'error' ? report.errors : report.warnings).push(f);
    }
  }
  return report;
}

/** A human-readable report. */
export function formatTerraformReport(report: TfReport): string {
  const lines = [
    ...report.errors.map((f) => `error ${f.rule}: ${f.message} (${f.path})`),
    ...report.warnings.map((f) => `warning ${f.rule}: ${f.message} (${f.path})`),
    ...report.acknowledged.map(
      (a) =>
        `acknowledged ${a.finding.rule}: ${a.finding.message} (${a.finding.path}); reason: ${a.reason}`,
    ),
  ];
  lines.push(
    `${TF_RULES.length} rules: ${report.passed.length} passed, ${report.errors.length} errors, ` +
      `${report.warnings.length} warnings, ${report.acknowledged.length} acknowledged`,
  );
  return lines.join('\n');
}
