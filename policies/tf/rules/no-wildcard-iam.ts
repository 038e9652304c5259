import { list, TfBlock } from '../model';
import { finding, TfFinding, TfRule } from '../rule';

type Statement = { Effect?: string; Action?: unknown; Resource?: unknown; NotAction?: unknown };

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const wildcard = (v: unknown): boolean => asList(v).some((x) => x === '*' || x === '*:*');

/** Statements of an inline JSON policy document; `undefined` when it is an unresolved expression. */
function statements(policy: unknown): Statement[] | undefined {
  if (typeof policy !== 'string') return undefined;
  try {
    return asList((JSON.parse(policy) as { Statement?: unknown }).Statement) as Statement[];
  } catch {
    return undefined;
  }
}

export const NO_WILDCARD_IAM: TfRule = {
  id: 'SBX-TF9-no-wildcard-iam',
  title: 'No IAM policy allows every action on every resource',
  why: 'Action "*" on Resource "*" is administrator access: one compromised role would own the account.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_1', 'CKV_AWS_62', 'CKV_AWS_63', 'CKV_AWS_355'] },
  check(model) {
    const out: TfFinding[] = [];
    const judge = (block: TfBlock, docs: Statement[]) => {
      for (const s of docs) {
        const allow = (s.Effect ?? 'Allow') === 'Allow';
        if (allow && (wildcard(s.Action) || s.NotAction !== undefined) && wildcard(s.Resource)) {
          out.push(finding(this, block, 'a statement allows "*" (or NotAction) on Resource "*"'));
        }
      }
    };
    for (const type of [
      'aws_iam_policy',
      'aws_iam_role_policy',
      'aws_iam_user_policy',
      'aws_iam_group_policy',
    ]) {
      for (const p of model.ofType(type)) judge(p, statements(p.config.policy) ?? []);
    }
    for (const d of model.dataOfType('aws_iam_policy_document')) {
      judge(
        d,
        list(d.config.statement).map((s) => ({
          Effect: s.effect,
          Action: s.actions,
          NotAction: s.not_actions,
          Resource: s.resources,
        })),
      );
    }
    return out;
  },
};
