/**
 * The control plane in-process: every `/__admin` call as a method of `createDigimeMock()`'s mock,
 * over the same authority as its msw handlers (docs/protocol.md §8.10). The mock's state lives in
 * memory only; `state()` and `restoreState()` save and restore it when a test suite wants to.
 */
import type {
  AppContractConfig,
  Authority,
  ClockChange,
  ClockState,
  CreatedUser,
  CreateUserInput,
  FaultSpecInput,
  FaultView,
  JournalEntry,
  JournalQuery,
  KeyView,
  Rotation,
  Scenarios,
  StateSnapshot,
  TokenSelector,
  UserScenarioInput,
} from '../core/index.js';
import { runPactStateChange, type PactStateChange } from '../pact/state-change.js';
import { openApiDocument } from '../wire/admin.js';

export interface DigimeControl {
  /** `GET /__admin/health`. */
  health(): { status: 'ok'; kid: string };
  /** `POST /__admin/clock`: reset, set, advance, freeze, in this order. */
  changeClock(change: ClockChange): ClockState;
  /** `POST /__admin/apps`. */
  registerApp(app: AppContractConfig): { clientId: string; appId: string; contractId: string; name: string };
  /** `POST /__admin/tokens/expire`, counting tokens and app contracts. */
  expireTokensCounted(selector?: TokenSelector): { expired: number; apps: number };
  /** `POST /__admin/tokens/revoke`, counting tokens and app contracts. */
  revokeTokensCounted(selector?: TokenSelector): { revoked: number; apps: number };
  /** `POST /__admin/reset`: back to the state at start; the keys stay. */
  reset(): void;
  /** `GET /__admin/state`. */
  state(): StateSnapshot;
  /** `PUT /__admin/state`: a damaged snapshot throws ApiError 400 and changes nothing. */
  restoreState(snapshot: unknown): void;
  /** `POST /__admin/faults`. Over msw a dropped connection is a network error. */
  addFault(spec: FaultSpecInput): { id: string };
  /** `GET /__admin/faults`. */
  faults(): FaultView[];
  /** `DELETE /__admin/faults/:id`; false when there is no such fault. */
  removeFault(id: string): boolean;
  /** `DELETE /__admin/faults`. */
  clearFaults(): void;
  /** `GET /__admin/requests`, newest first. */
  requests(query?: JournalQuery): JournalEntry[];
  /** `DELETE /__admin/requests`. */
  clearRequests(): void;
  /** `POST /__admin/keys/rotate`. */
  rotateKeys(options?: { retirePrevious?: boolean }): Promise<Rotation>;
  /** `GET /__admin/keys`. */
  keys(): KeyView[];
  /** `POST /__admin/users`. */
  createUser(input?: CreateUserInput): CreatedUser;
  /** `DELETE /__admin/users/:id`. */
  removeUser(id: string): void;
  /** `PUT /__admin/users/:id/scenario`. */
  setUserScenario(id: string, scenario: UserScenarioInput): Scenarios;
  /** `POST /__admin/pact/states`: the values the state produced. */
  pactState(change: PactStateChange): Promise<Record<string, string>>;
  /** `GET /__admin/openapi.json`. */
  openapi(): Record<string, unknown>;
}

export function controlPlane(authority: Authority, baseUrl: string): DigimeControl {
  const origin = new URL(baseUrl).origin;
  return {
    health: () => ({ status: 'ok', kid: authority.overview().kid }),
    changeClock: (change) => authority.changeClock(change),
    registerApp: (app) => {
      const { clientId, appId, contractId, name } = authority.registerApp(app);
      return { clientId, appId, contractId, name };
    },
    expireTokensCounted: (selector) => authority.expireTokensCounted(selector),
    revokeTokensCounted: (selector) => authority.revokeTokensCounted(selector),
    reset: () => authority.reset(),
    state: () => authority.state(),
    restoreState: (snapshot) => authority.restoreState(snapshot),
    addFault: (spec) => authority.addFault(spec),
    faults: () => authority.faults(),
    removeFault: (id) => authority.removeFault(id),
    clearFaults: () => authority.clearFaults(),
    requests: (query) => authority.requests(query),
    clearRequests: () => authority.clearRequests(),
    rotateKeys: (options) => authority.rotateKeys(options),
    keys: () => authority.keys(),
    createUser: (input) => authority.createUser(input),
    removeUser: (id) => authority.removeUser(id),
    setUserScenario: (id, scenario) => authority.setUserScenario(id, scenario),
    pactState: (change) => runPactStateChange(authority, change, origin),
    openapi: () => openApiDocument(),
  };
}
