/** The pact between our SDK and digi.me's API, and where it lives. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSUMER = 'digime-sdk-ts';
export const PROVIDER = 'digime-api';

/** `contracts/pacts/`: the pact files, written by each consumer run (git-ignored: a test run leaves the tree clean). */
export const PACTS_DIR = fileURLToPath(new URL('./pacts/', import.meta.url));
export const PACT_FILE = join(PACTS_DIR, `${CONSUMER}-${PROVIDER}.json`);
