/**
 * Users made at run time (docs/protocol.md §8.10), so that each test can have its own: a copy of a
 * fixture user's accounts and data sets under a new id. Account ids and references are rewritten
 * with the new id (`5_19_demo-spotify` → `5_19_<id>-spotify`), so they stay unique. A user's
 * scenarios can be changed at run time too; they replace the fixture's. Both live in the store
 * (`runtimeUsers`, `userScenarios`), so snapshots, restores and reset carry them; the users the
 * rules read (`ctx.users`) and their libraries are rebuilt from there.
 */
import { z } from 'zod';
import type { CoreContext } from './context.js';
import type { DataPlane } from './data/data-plane.js';
import { ApiError, errors } from './errors.js';
import { randomAlphanumeric } from './ids.js';
import { ScenariosSchema, UserSchema, type Account, type Scenarios, type User } from './model.js';
import type { RuntimeUser } from './store.js';

/** `PUT /__admin/users/:id/scenario`, and `scenario` of `POST /__admin/users`. */
export const UserScenarioSchema = ScenariosSchema;
export type UserScenarioInput = z.input<typeof UserScenarioSchema>;

export const CreateUserSchema = z
  .object({
    /** Default: `user-` and 8 random characters. */
    id: UserSchema.shape.id.optional(),
    /** Default: the id. */
    name: z.string().min(1).optional(),
    /** The fixture user whose accounts and data are copied; default: the default user. */
    template: z.string().min(1).optional(),
    /** Default: the template's scenarios. Accounts may be named as the template's or the copy's. */
    scenario: UserScenarioSchema.optional(),
  })
  .strict();
export type CreateUserInput = z.input<typeof CreateUserSchema>;

export interface CreatedUser {
  id: string;
  name: string;
  template: string;
  accounts: Pick<Account, 'id' | 'reference' | 'serviceTypeName'>[];
}

/** What the rules need besides the context: the users as loaded from the fixtures, and the data plane. */
export interface UserDirectory {
  fixtures: ReadonlyMap<string, User>;
  data: DataPlane;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The template's id in a name, as a whole word, becomes the new id; a name without it gets `-<id>`. */
function rename(value: string, templateId: string, id: string): string {
  const word = new RegExp(`(^|[^A-Za-z0-9])${escape(templateId)}(?=$|[^A-Za-z0-9])`, 'g');
  return word.test(value) ? value.replace(word, `$1${id}`) : `${value}-${id}`;
}

/** Template account id or reference → the copy's. */
function accountNames(template: User, id: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const a of template.accounts) {
    names.set(a.id, rename(a.id, template.id, id));
    names.set(a.reference, rename(a.reference, template.id, id));
  }
  return names;
}

/** Scenarios naming the template's accounts, rewritten to name the copy's. */
function renamedScenarios(scenarios: Scenarios, names: ReadonlyMap<string, string>): Scenarios {
  const to = (name: string) => names.get(name) ?? name;
  const out: Scenarios = {
    partialAccounts: scenarios.partialAccounts.map((e) => (typeof e === 'string' ? to(e) : { ...e, account: to(e.account) })),
  };
  if (scenarios.reauthAccounts) out.reauthAccounts = scenarios.reauthAccounts.map(to);
  return out;
}

function buildUser(template: User, record: RuntimeUser, override: Scenarios | undefined): { user: User; accountIds: Map<string, string> } {
  const names = accountNames(template, record.id);
  const accountIds = new Map(template.accounts.map((a) => [a.id, names.get(a.id)!]));
  const user: User = {
    id: record.id,
    name: record.name,
    accounts: template.accounts.map((a) => ({ ...structuredClone(a), id: names.get(a.id)!, reference: names.get(a.reference)! })),
  };
  const scenarios = override ?? (template.scenarios && renamedScenarios(template.scenarios, names));
  if (scenarios) user.scenarios = scenarios;
  return { user, accountIds };
}

function installUser(ctx: CoreContext, dir: UserDirectory, record: RuntimeUser): User {
  const template = dir.fixtures.get(record.template);
  if (!template) throw errors.validation(`template: there is no fixture user "${record.template}"`, 400);
  const { user, accountIds } = buildUser(template, record, ctx.store.userScenarios.get(record.id));
  ctx.users.set(user.id, user);
  dir.data.copyLibrary(user, template.id, accountIds);
  return user;
}

/** Rebuilds the users the rules read from the fixtures and the store (after a restore or reset). */
export function refreshUsers(ctx: CoreContext, dir: UserDirectory): void {
  for (const id of [...ctx.users.keys()]) {
    if (dir.fixtures.has(id)) continue;
    ctx.users.delete(id);
    dir.data.forget(id);
  }
  for (const [id, fixture] of dir.fixtures) {
    const override = ctx.store.userScenarios.get(id);
    ctx.users.set(id, override ? { ...fixture, scenarios: override } : fixture);
  }
  for (const record of ctx.store.runtimeUsers.values()) installUser(ctx, dir, record);
}

/** Every template a set of runtime users names exists here; else 400 naming the first that does not. */
export function checkTemplates(records: Iterable<RuntimeUser>, dir: UserDirectory, where: string): void {
  for (const r of records) {
    if (!dir.fixtures.has(r.template)) throw errors.validation(`${where}.${r.id}.template: there is no fixture user "${r.template}"`, 400);
  }
}

export function createUser(ctx: CoreContext, dir: UserDirectory, input: z.output<typeof CreateUserSchema>): CreatedUser {
  const templateId = input.template ?? ctx.config.defaultUser;
  const template = dir.fixtures.get(templateId);
  if (!template) throw errors.validation(`template: there is no fixture user "${templateId}"`, 400);
  const id = input.id ?? `user-${randomAlphanumeric(8).toLowerCase()}`;
  if (ctx.users.has(id)) throw errors.validation(`id: there is already a user "${id}"`, 400);
  const record: RuntimeUser = { id, name: input.name ?? id, template: templateId, createdAt: ctx.clock.now() };
  if (input.scenario) {
    const names = accountNames(template, id);
    const scenarios = renamedScenarios(input.scenario as Scenarios, names);
    checkAccounts(id, scenarios, names.values());
    ctx.store.userScenarios.set(id, scenarios);
  }
  ctx.store.runtimeUsers.set(id, record);
  const user = installUser(ctx, dir, record);
  return {
    id,
    name: user.name,
    template: templateId,
    accounts: user.accounts.map(({ id: accountId, reference, serviceTypeName }) => ({ id: accountId, reference, serviceTypeName })),
  };
}

/**
 * Removes a user made at run time, with everything of theirs: consents and what hangs on them
 * (tokens, codes, sessions), and every other record naming the user.
 */
export function removeUser(ctx: CoreContext, dir: UserDirectory, id: string): void {
  if (dir.fixtures.has(id)) {
    throw errors.validation(`"${id}" is a fixture user; only users made with POST /__admin/users can be removed`, 400);
  }
  if (!ctx.store.runtimeUsers.has(id)) throw errors.notFound(`The user (${id})`);
  const { store } = ctx;
  const consents = new Set([...store.consents.values()].filter((c) => c.userId === id).map((c) => c.consentId));
  const names = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.length > 0 && v.every(names);
    if (typeof v !== 'object' || v === null) return false;
    const r = v as { userId?: unknown; consentId?: unknown; family?: unknown };
    return r.userId === id || (typeof r.consentId === 'string' && consents.has(r.consentId));
  };
  for (const map of Object.values(store)) {
    if (!(map instanceof Map)) continue;
    for (const [key, value] of map) if (names(value)) map.delete(key);
  }
  store.presignedAccess.clear();
  store.runtimeUsers.delete(id);
  store.userScenarios.delete(id);
  ctx.users.delete(id);
  dir.data.forget(id);
}

/** Scenarios may name only the user's own accounts. */
function checkAccounts(userId: string, scenarios: Scenarios, accounts: Iterable<string>): void {
  const known = new Set(accounts);
  const named = [...scenarios.partialAccounts.map((e) => (typeof e === 'string' ? e : e.account)), ...(scenarios.reauthAccounts ?? [])];
  const unknown = named.find((n) => !known.has(n));
  if (unknown !== undefined) {
    throw new ApiError('ValidationErrors', `Parameter validation errors: scenario: user "${userId}" has no account "${unknown}"`, 400);
  }
}

/** Replaces a user's scenarios; for a copy, accounts may be named as the template's. */
export function setUserScenario(ctx: CoreContext, dir: UserDirectory, id: string, scenario: Scenarios): Scenarios {
  const user = ctx.users.get(id);
  if (!user) throw errors.notFound(`The user (${id})`);
  const record = ctx.store.runtimeUsers.get(id);
  const template = record && dir.fixtures.get(record.template);
  const scenarios = template ? renamedScenarios(scenario, accountNames(template, id)) : structuredClone(scenario);
  checkAccounts(id, scenarios, user.accounts.flatMap((a) => [a.id, a.reference]));
  ctx.store.userScenarios.set(id, scenarios);
  ctx.users.set(id, { ...user, scenarios });
  return structuredClone(scenarios);
}
