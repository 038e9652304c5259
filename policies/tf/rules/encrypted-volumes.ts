import { list, single } from '../model';
import { finding, TfRule } from '../rule';

const truthy = (v: unknown) => v === true || v === 'true';

export const ENCRYPTED_VOLUMES: TfRule = {
  id: 'SBX-TF5-encrypted-volumes',
  title: 'EBS volumes are encrypted with a customer KMS key',
  why: 'Node disks hold images, scratch data and logs of untrusted runs; encryption with our key keeps snapshots and detached volumes unreadable.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_3', 'CKV_AWS_189'] },
  check(model) {
    const templates = model.ofType('aws_launch_template').flatMap((t) => {
      const mappings = list(t.config.block_device_mappings);
      if (mappings.length === 0)
        return [finding(this, t, 'block_device_mappings must set an encrypted root volume')];
      return mappings
        .filter(
          (m) => !truthy(single(m.ebs)?.encrypted) || typeof single(m.ebs)?.kms_key_id !== 'string',
        )
        .map((m) =>
          finding(
            this,
            t,
            `block_device_mappings[${m.device_name ?? '?'}].ebs must be encrypted with kms_key_id`,
          ),
        );
    });
    const volumes = model
      .ofType('aws_ebs_volume')
      .filter((v) => !truthy(v.config.encrypted) || typeof v.config.kms_key_id !== 'string')
      .map((v) => finding(this, v, 'encrypted must be true, with kms_key_id'));
    return [...templates, ...volumes];
  },
};
