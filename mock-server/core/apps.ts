/**
 * App contracts: registered at start from fixtures and configuration, or at run time through the
 * admin API. A contract's public key checks its request JWTs and encrypts its files.
 */
import { createPublicKey } from 'node:crypto';
import type { AppContractConfig } from './config.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { AppContract } from './store.js';

/** What callers outside the core may see of a registered contract: all of it but the key object. */
export type AppView = Omit<AppContract, 'publicKey'>;

export const appView = ({ publicKey: _key, ...view }: AppContract): AppView => view;

/** Registers (or replaces) an app contract; its key must be RSA, 2048 bits or more. */
export function registerApp(ctx: CoreContext, input: AppContractConfig): AppContract {
  let publicKey;
  try {
    publicKey = createPublicKey(input.publicKey);
  } catch {
    throw errors.validation('publicKey is not a readable PEM public key');
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (publicKey.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw errors.validation('publicKey must be an RSA key of 2048 bits or more');
  }
  const app: AppContract = {
    clientId: `${input.appId}_${input.contractId}`,
    appId: input.appId,
    contractId: input.contractId,
    name: input.name ?? input.appId,
    description: input.description,
    publicKeyPem: input.publicKey,
    publicKey,
    redirectUris: input.redirectUris,
    ttl: input.ttl,
    accessType: input.accessType,
    rawData: input.rawData,
    details: input.details,
  };
  ctx.store.apps.set(app.clientId, app);
  return app;
}
