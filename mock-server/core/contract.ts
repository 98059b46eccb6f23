/**
 * `GET permission-access/contract` (docs/protocol.md §9.1): the calling app contract's details, from
 * its fixture or registration. digi.me publishes no rule for the fields besides the ids and the
 * access type, so each has a default.
 */
import type { AppContract } from './store.js';

/** 2100-01-01T00:00:00Z: a contract that outlives any test. */
export const DEFAULT_CONTRACT_EXPIRY = 4_102_444_800_000;

export interface ContractDetailsView {
  id: string;
  accessType: 'r' | 'w';
  type: string;
  partnerId: string;
  certificate: string;
  certificateContractSchemaVersion: string;
  expirationDate: number;
  application: { id: string; name: string; status: number; resources: Record<string, unknown> };
}

export function contractDetails(app: AppContract): ContractDetailsView {
  const d = app.details ?? {};
  return {
    id: app.contractId,
    accessType: app.accessType ?? 'r',
    type: d.type ?? 'ongoing',
    partnerId: d.partnerId ?? app.appId,
    certificate: d.certificate ?? app.publicKeyPem,
    certificateContractSchemaVersion: d.certificateContractSchemaVersion ?? '1.0.0',
    expirationDate: d.expirationDate ?? DEFAULT_CONTRACT_EXPIRY,
    application: {
      id: app.appId,
      name: app.name,
      status: d.applicationStatus ?? 1,
      resources: app.description ? { description: app.description } : {},
    },
  };
}
