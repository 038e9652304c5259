import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  acknowledgeTerraformRule,
  TerraformRulePackAspect,
} from '../../../constructs/aws/rule-pack-aspect';
import { TfReport } from '../../../policies/tf/pack';

function stackWith(build: (stack: TerraformStack) => void, reports: TfReport[] = []) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-2' });
  build(stack);
  TerraformRulePackAspect.applyTo(stack, { onReport: (_s, r) => reports.push(r) });
  return stack;
}

const goodRepo = (stack: TerraformStack, key: KmsKey) =>
  new EcrRepository(stack, 'Repo', {
    name: 'tasks',
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: key.arn }],
  });

describe('TerraformRulePackAspect', () => {
  test('GIVEN compliant resources WHEN synthesized with validations THEN synth succeeds', () => {
    const reports: TfReport[] = [];
    const stack = stackWith(
      (s) => goodRepo(s, new KmsKey(s, 'Key', { enableKeyRotation: true })),
      reports,
    );
    expect(() => Testing.synth(stack, true)).not.toThrow();
    expect(reports).toHaveLength(1);
    expect(reports[0].errors).toEqual([]);
  });

  test('GIVEN a mutable repository and a key without rotation THEN synth fails naming rules, resources and paths', () => {
    const stack = stackWith((s) => {
      const key = new KmsKey(s, 'Key', {});
      const repo = goodRepo(s, key);
      repo.imageTagMutability = 'MUTABLE';
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /SBX-TF6-kms-rotation: aws_kms_key\.Key: enable_key_rotation must be true \(test\/Key\)[\s\S]*SBX-TF12-ecr-immutable-tags: aws_ecr_repository\.Repo: image_tag_mutability must be "IMMUTABLE" \(test\/Repo\)/,
    );
  });

  test('GIVEN an acknowledgement with a reason on the construct THEN synth succeeds and the report shows it', () => {
    const reports: TfReport[] = [];
    const stack = stackWith((s) => {
      const key = new KmsKey(s, 'Key', {});
      goodRepo(s, new KmsKey(s, 'RepoKey', { enableKeyRotation: true }));
      acknowledgeTerraformRule(
        key,
        'SBX-TF6-kms-rotation',
        'An imported key whose rotation is managed outside this stack',
      );
    }, reports);
    expect(() => Testing.synth(stack, true)).not.toThrow();
    expect(reports[0].acknowledged.map((a) => [a.finding.rule, a.finding.path, a.reason])).toEqual([
      [
        'SBX-TF6-kms-rotation',
        'test/Key',
        'An imported key whose rotation is managed outside this stack',
      ],
    ]);
  });

  test('GIVEN the aspect on the app WHEN app.synth() runs THEN an error fails it and nothing is written', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-aspect-'));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'real');
    new AwsProvider(stack, 'aws', { region: 'eu-west-2' });
    new KmsKey(stack, 'Key', {});
    TerraformRulePackAspect.applyTo(app);
    expect(() => app.synth()).toThrow(/SBX-TF6-kms-rotation: aws_kms_key\.Key/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'real', 'cdk.tf.json'))).toBe(false);
  });

  test('GIVEN an app without stacks THEN applyTo refuses, so the pack cannot silently check nothing', () => {
    expect(() => TerraformRulePackAspect.applyTo(Testing.app())).toThrow(
      /no TerraformStack to apply the rule pack to/,
    );
  });

  test('GIVEN an acknowledgement without a real reason THEN it throws at once', () => {
    stackWith((s) => {
      const key = new KmsKey(s, 'Key', {});
      expect(() => acknowledgeTerraformRule(key, 'SBX-TF6-kms-rotation', 'ok')).toThrow(
        /test\/Key: acknowledgements\[0\]\.reason must say why/,
      );
    });
  });
});
