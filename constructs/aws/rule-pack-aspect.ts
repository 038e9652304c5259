/**
 * Runs the Terraform rule pack at `cdktf synth`: an Aspect that gives every stack a validation,
 * so an error fails the synthesis (and `Testing.synth(stack, true)`), naming rule, resource and
 * construct path. Acknowledgements with a reason can be attached to constructs, cdk-nag style.
 */
import { Aspects, IAspect, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import {
  checkAcknowledgements,
  formatTerraformReport,
  runTerraformRules,
  TfAcknowledgement,
  TfReport,
} from '../../policies/tf/pack';

const ACK_KEY = 'eval-sandbox:tf-acknowledgements';

/**
 * Accepts the findings of `rule` on `scope` and everything under it. The reason (at least 20
 * characters) is shown in every report.
 */
export function acknowledgeTerraformRule(scope: IConstruct, rule: string, reason: string): void {
  const ack: TfAcknowledgement = { rule, path: scope.node.path, reason };
  const problems = checkAcknowledgements([ack]);
  if (problems.length > 0) throw new Error(`${scope.node.path}: ${problems.join('; ')}`);
  scope.node.addMetadata(ACK_KEY, ack);
}

function acknowledgementsIn(stack: TerraformStack): TfAcknowledgement[] {
  return stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata.filter((m) => m.type === ACK_KEY).map((m) => m.data as TfAcknowledgement),
    );
}

export interface TerraformRulePackAspectProps {
  /**
   * Acknowledgements besides those attached with `acknowledgeTerraformRule`.
   *
   * @default - none: only those attached to the stacks
   */
  readonly acknowledgements?: TfAcknowledgement[];
  /**
   * Receives each stack's report (for printing the acknowledged findings).
   *
   * @default - reports are not passed on; a failing rule still stops synth
   */
  readonly onReport?: (stack: TerraformStack, report: TfReport) => void;
}

/** The Aspect. Add it to every stack with `TerraformRulePackAspect.applyTo(app)`. */
export class TerraformRulePackAspect implements IAspect {
  /**
   * Adds the pack to `scope` if it is a stack, else to every stack under it. Call it after the
   * stacks exist: cdktf invokes a stack's aspects from the stack down, so aspects added to the app
   * are not seen when a stack is synthesized.
   */
  public static applyTo(
    scope: IConstruct,
    props: TerraformRulePackAspectProps = {},
  ): TerraformRulePackAspect {
    const aspect = new TerraformRulePackAspect(props);
    const stacks = scope.node
      .findAll()
      .filter((c): c is TerraformStack => c instanceof TerraformStack);
    if (stacks.length === 0) {
      throw new Error(
        `${scope.node.path || 'app'}: no TerraformStack to apply the rule pack to; create the stacks first`,
      );
    }
    for (const stack of stacks) Aspects.of(stack).add(aspect);
    return aspect;
  }

  private readonly seen = new WeakSet<TerraformStack>();

  constructor(private readonly props: TerraformRulePackAspectProps = {}) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack) || this.seen.has(node)) return;
    this.seen.add(node);
    const stack = node;
    stack.node.addValidation({
      validate: () => {
        const report = runTerraformRules(stack.toTerraform(), [
          ...(this.props.acknowledgements ?? []),
          ...acknowledgementsIn(stack),
        ]);
        this.props.onReport?.(stack, report);
        return report.errors.map(
          (f) => `${f.rule}: ${f.message} (${f.path}); fix it, or acknowledge it with a reason`,
        );
      },
    });
  }
}

export { formatTerraformReport };
