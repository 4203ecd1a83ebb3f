// Verification activities: compare district and state for a set of objects and keep the result.
import { getDistrict } from '../data/district-registry';
import { saveVerification, type VerificationPurpose } from '../data/verifications';
import type { SchoolYearChoice } from '../domain';
import { verifiableObjects, verifyDistrict, type ObjectVerification } from '../verification/summary';
import type { ActivityDeps } from './deps';

export interface VerifyInput {
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
  /** Objects to verify; all offered objects of the year when absent. */
  readonly objects?: readonly string[];
}

export interface RecordVerificationInput {
  readonly districtId: string;
  readonly schoolYear: number;
  readonly batchId: string | null;
  readonly purpose: VerificationPurpose;
  readonly objects: ObjectVerification[];
}

export interface VerifyBatchInput extends VerifyInput {
  readonly batchId: string;
  /** Records each object holds (what the batch processed): how verification groups its reads. */
  readonly records?: Readonly<Record<string, number>>;
}

export function createVerificationActivities(deps: ActivityDeps) {
  return {
    /** Returns per-object counts (never records). */
    async verifyObjects(input: VerifyInput): Promise<ObjectVerification[]> {
      const district = await getDistrict(deps.state, input.districtId);
      return verifyDistrict(deps, district, input.schoolYear, verifiableObjects(district, input.yearChoice, input.objects));
    },

    async recordVerification(input: RecordVerificationInput): Promise<{ verificationId: number; inSync: boolean }> {
      const saved = await saveVerification(deps.state, input);
      return { verificationId: saved.verificationId, inSync: saved.inSync };
    },

    /** Verifies the objects a batch touched and records it with the batch; returns counts only. */
    async verifyBatch(input: VerifyBatchInput): Promise<{ inSync: boolean; objectsOutOfSync: string[] }> {
      const district = await getDistrict(deps.state, input.districtId);
      const objects = await verifyDistrict(deps, district, input.schoolYear, verifiableObjects(district, input.yearChoice, input.objects), input.records);
      const saved = await saveVerification(deps.state, { districtId: input.districtId, schoolYear: input.schoolYear, batchId: input.batchId, purpose: 'post-run', objects });
      return { inSync: saved.inSync, objectsOutOfSync: objects.filter((o) => !o.inSync).map((o) => o.object) };
    },
  };
}
