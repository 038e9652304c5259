import { finding, TfRule } from '../rule';

type Statement = { Effect?: string; Condition?: Record<string, Record<string, unknown>> };

function deniesInsecureTransport(policy: unknown): boolean {
  if (typeof policy !== 'string') return false;
  let statements: Statement[];
  try {
    const parsed = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    statements = Array.isArray(parsed.Statement)
      ? parsed.Statement
      : parsed.Statement
        ? [parsed.Statement]
        : [];
  } catch {
    return false;
  }
  return statements.some((s) => {
    const value = s.Effect === 'Deny' ? s.Condition?.Bool?.['aws:SecureTransport'] : undefined;
    return (
      value === false || value === 'false' || (Array.isArray(value) && value.includes('false'))
    );
  });
}

export const S3_TLS_ONLY: TfRule = {
  id: 'SBX-TF11-s3-tls-only',
  title: 'Every S3 bucket refuses requests without TLS',
  why: 'A bucket policy denying aws:SecureTransport=false is the only way to make S3 refuse plain HTTP.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_379'] },
  check(model) {
    return model
      .ofType('aws_s3_bucket')
      .filter(
        (bucket) =>
          !model
            .referencing('aws_s3_bucket_policy', 'bucket', bucket)
            .some((p) => deniesInsecureTransport(p.config.policy)),
      )
      .map((bucket) =>
        finding(this, bucket, 'no aws_s3_bucket_policy denies aws:SecureTransport = false'),
      );
  },
};
