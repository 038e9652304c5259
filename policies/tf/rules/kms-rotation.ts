import { finding, TfRule } from '../rule';

export const KMS_ROTATION: TfRule = {
  id: 'SBX-TF6-kms-rotation',
  title: 'Customer KMS keys rotate',
  why: 'Rotation limits how much data one key version protects and is expected by every compliance baseline.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_7'] },
  check(model) {
    return model
      .ofType('aws_kms_key')
      .filter((k) => {
        // Asymmetric and HMAC keys cannot rotate; every symmetric key must.
        const spec = k.config.customer_master_key_spec ?? 'SYMMETRIC_DEFAULT';
        return spec === 'SYMMETRIC_DEFAULT' && k.config.enable_key_rotation !== true;
      })
      .map((k) => finding(this, k, 'enable_key_rotation must be true'));
  },
};
