/**
 * The mock's configuration: one typed object, whose settings are declared once, in core/settings.ts
 * (type, default, flag, environment variable, doc). Sources, later ones winning: the defaults, a
 * JSON file (`--config`), the environment, CLI flags, and at run time the admin API. This module
 * reads the environment and the flags as the declarations say; `parseConfig` validates the merged
 * result and names the bad field.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigSchema, setting, type SettingMeta } from './settings.js';
import { formatIssues } from './validation.js';

export { AppContractConfigSchema, ConfigSchema, packageRoot, type AppContractConfig } from './settings.js';

export type MockConfig = z.infer<typeof ConfigSchema>;
export type MockConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A declared setting, as found in `ConfigSchema`. */
export interface Setting extends SettingMeta {
  /** Its path in the configuration object, e.g. `ttl.accessToken`. */
  key: string;
  keys: string[];
  schema: z.ZodType;
  /** How a flag's or variable's text becomes its value (`list`: comma-separated; `json`: only a config file can set it). */
  type: 'number' | 'boolean' | 'string' | 'list' | 'json';
  /** The allowed values of an enum. */
  values?: readonly string[];
}

const unwrap = (schema: z.ZodType): z.ZodType =>
  schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional
    ? unwrap(schema.unwrap() as z.ZodType)
    : schema;

function collect(schema: z.ZodType, keys: string[]): Setting[] {
  const meta = setting.get(schema);
  const inner = unwrap(schema);
  const key = keys.join('.');
  if (!meta) {
    if (inner instanceof z.ZodObject) return Object.entries(inner.shape).flatMap(([k, s]) => collect(s as z.ZodType, [...keys, k]));
    throw new Error(`core/settings.ts: ${key} is not registered as a setting`);
  }
  const type =
    inner instanceof z.ZodNumber ? 'number'
    : inner instanceof z.ZodBoolean ? 'boolean'
    : inner instanceof z.ZodString || inner instanceof z.ZodEnum ? 'string'
    : inner instanceof z.ZodArray && unwrap(inner.element as z.ZodType) instanceof z.ZodString ? 'list'
    : 'json';
  if (type === 'json' && (meta.flag || meta.env)) throw new Error(`core/settings.ts: ${key} cannot be read from a flag or variable`);
  const values = inner instanceof z.ZodEnum ? (inner.options as string[]) : undefined;
  return [{ ...meta, key, keys, schema, type, ...(values && { values }) }];
}

/** Every setting, in declaration order. */
export const SETTINGS: readonly Setting[] = collect(ConfigSchema, []);

/** How a setting's default reads in `--help` and the README. */
export function defaultText(s: Setting): string {
  if (s.defaultText !== undefined) return s.defaultText;
  const value: unknown = s.schema.safeParse(undefined).data;
  return value === undefined || (Array.isArray(value) && value.length === 0) ? 'none' : String(value);
}

/** What a flag's value looks like in `--help`, e.g. `seconds` or `page|accept|deny`. */
export function flagArg(s: Setting): string | undefined {
  if (s.type === 'boolean') return undefined;
  return s.arg ?? s.values?.join('|') ?? (s.path ? 'path' : s.type);
}

/** Validates a merged configuration, naming the bad fields in the error. */
export function parseConfig(input: unknown, source = 'configuration'): MockConfig {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`Invalid ${source}: ${formatIssues(result.error.issues)}`);
  return result.data;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and values of later sources replace earlier ones. */
export function mergeConfig(...sources: Plain[]): Plain {
  const out: Plain = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfig(out[k] as Plain, v) : v;
    }
  }
  return out;
}

const getIn = (obj: Plain, keys: string[]): unknown => keys.reduce<unknown>((o, k) => (isPlain(o) ? o[k] : undefined), obj);

/** A copy of `obj` with `value` at `keys`. */
function setIn(obj: Plain, [key, ...rest]: string[], value: unknown): Plain {
  const current = obj[key!];
  return { ...obj, [key!]: rest.length ? setIn(isPlain(current) ? current : {}, rest, value) : value };
}

/** A flag's or variable's text as the setting's value; `name` says where it came from. */
function fromText(s: Setting, raw: string, name: string): unknown {
  if (s.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
    return n;
  }
  if (s.type === 'boolean') {
    const b = z.stringbool().safeParse(raw);
    if (!b.success) throw new ConfigError(`${name} must be true or false, got "${raw}"`);
    return b.data;
  }
  if (s.type === 'list') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return raw;
}

/** The configuration the environment asks for (only the declared variables that are set and not empty). */
export function configFromEnv(env: NodeJS.ProcessEnv): Plain {
  let out: Plain = {};
  for (const s of SETTINGS) {
    const raw = s.env === undefined ? undefined : env[s.env];
    if (raw === undefined || raw === '') continue;
    out = setIn(out, s.keys, fromText(s, raw, `Invalid environment: ${s.env}`));
  }
  return out;
}

/** `parseArgs` options for the declared flags (names without the dashes). */
export function flagOptions(): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(
    SETTINGS.flatMap((s) => (s.flag ? [[s.flag.slice(2), { type: s.type === 'boolean' ? 'boolean' : 'string' }] as const] : [])),
  );
}

/** The configuration parsed flags ask for (`parseArgs` values); paths are resolved against `cwd`. */
export function configFromFlags(values: Record<string, string | boolean | undefined>, cwd = process.cwd()): Plain {
  let out: Plain = {};
  for (const s of SETTINGS) {
    const raw = s.flag === undefined ? undefined : values[s.flag.slice(2)];
    if (raw === undefined) continue;
    out = setIn(out, s.keys, typeof raw === 'boolean' ? raw : fromText(s, raw, s.flag!));
  }
  return resolvePaths(out, cwd);
}

/** Resolves the path settings of a configuration relative to a folder (the config file's). */
export function resolvePaths(config: Plain, base: string): Plain {
  let out = config;
  for (const s of SETTINGS) {
    const value = s.path && getIn(config, s.keys);
    if (typeof value === 'string' && value !== '') out = setIn(out, s.keys, resolve(base, value));
  }
  return out;
}
