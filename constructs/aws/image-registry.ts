import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Construct } from 'constructs';
import { CustomerKey } from './customer-key';
import { check, checkName } from './validation';

/** Properties for {@link ImageRegistry}. */
export interface ImageRegistryProps {
  /** Environment name; the repository is `<name>/tasks` and its key `alias/<name>-images`. */
  readonly name: string;
}

/** An ECR repository for evaluation images: immutable tags, scan on push, KMS encryption. */
export class ImageRegistry extends Construct {
  public readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ImageRegistryProps) {
    super(scope, id);
    check(this, checkName('name', props.name));
    const key = new CustomerKey(this, 'Key', { alias: `${props.name}-images` });
    this.repository = new EcrRepository(this, 'Resource', {
      name: `${props.name}/tasks`,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: key.arn }],
    });
    new EcrLifecyclePolicy(this, 'Lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'drop untagged images after 14 days',
            selection: {
              tagStatus: 'untagged',
              countType: 'sinceImagePushed',
              countUnit: 'days',
              countNumber: 14,
            },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }
}
