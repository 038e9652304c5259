import { GuarddutyDetector } from '@cdktf/provider-aws/lib/guardduty-detector';
import { GuarddutyDetectorFeature } from '@cdktf/provider-aws/lib/guardduty-detector-feature';
import { Construct } from 'constructs';

/**
 * GuardDuty with EKS audit-log monitoring and runtime monitoring (with the managed EKS agent), so
 * an agent that tries to replicate, mine or reach credentials is noticed.
 */
export class ThreatDetection extends Construct {
  public readonly detector: GuarddutyDetector;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.detector = new GuarddutyDetector(this, 'Resource', {
      enable: true,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
    });
    new GuarddutyDetectorFeature(this, 'EksAuditLogs', {
      detectorId: this.detector.id,
      name: 'EKS_AUDIT_LOGS',
      status: 'ENABLED',
    });
    new GuarddutyDetectorFeature(this, 'RuntimeMonitoring', {
      detectorId: this.detector.id,
      name: 'RUNTIME_MONITORING',
      status: 'ENABLED',
      additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
    });
  }
}
