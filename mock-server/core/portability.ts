/**
 * `GET export/<serviceType>/report` (docs/protocol.md §9.7): a portability report of the user's
 * library, as XML. digi.me serves it for MedMij only; what it holds is not published, so the mock
 * reports the period asked for, the consent's accounts and the FHIR pushes to provider accounts
 * received in that period.
 */
import { MAX_TIME_MS } from './clock.js';
import { errors } from './errors.js';
import type { Account } from './model.js';
import type { Consent, ProviderPush } from './store.js';

export const REPORT_SERVICE_TYPES = ['medmij'] as const;
export const REPORT_FORMATS = ['xml'] as const;

export interface ReportQuery {
  format?: string | null;
  from?: string | null;
  to?: string | null;
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

const attrs = (values: Record<string, string | number | boolean | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

/** A period bound in Unix seconds; absent, empty or the literal `undefined` (what the SDK sends for none) is open. */
function bound(name: string, raw: string | null | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === '' || raw === 'undefined') return undefined;
  const n = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !Number.isFinite(n) || n * 1000 > MAX_TIME_MS) {
    throw errors.validation(`${name} must be a time in Unix seconds`, 400);
  }
  return n;
}

const iso = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000).toISOString());

export interface PortabilityReportInput {
  consent: Consent;
  accounts: Account[];
  pushes: Iterable<ProviderPush>;
  serviceType: unknown;
  query: ReportQuery;
  now: number;
}

/** The report's XML; an unknown service type is 404 NotFound, another format or a bad period 400 ValidationErrors. */
export function portabilityReport({ consent, accounts, pushes, serviceType, query, now }: PortabilityReportInput): string {
  if (!REPORT_SERVICE_TYPES.includes(serviceType as (typeof REPORT_SERVICE_TYPES)[number])) {
    throw errors.notFound('The report of this service type');
  }
  if (!REPORT_FORMATS.includes(query.format as (typeof REPORT_FORMATS)[number])) {
    throw errors.validation(`format must be one of ${REPORT_FORMATS.join(', ')}`, 400);
  }
  const from = bound('from', query.from);
  const to = bound('to', query.to);
  const inPeriod = (ms: number) => (from === undefined || ms >= from * 1000) && (to === undefined || ms <= to * 1000);
  const received = [...pushes].filter((p) => p.userId === consent.userId && inPeriod(p.receivedAt));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<portabilityReport${attrs({ serviceType: String(serviceType), format: query.format ?? undefined, generated: new Date(now).toISOString() })}>`,
    `  <period${attrs({ from: iso(from), to: iso(to) })}/>`,
    `  <user${attrs({ id: consent.userId })}/>`,
    '  <accounts>',
    ...accounts.map(
      (a) =>
        `    <account${attrs({
          id: a.id,
          reference: a.reference,
          sourceId: a.sourceId,
          serviceTypeId: a.serviceTypeId,
          serviceTypeName: a.serviceTypeName,
          serviceGroupName: a.serviceGroupName,
          sample: a.sample === true,
        })}/>`,
    ),
    '  </accounts>',
    '  <providerPushes>',
    ...received.map(
      (p) =>
        `    <providerPush${attrs({ id: p.id, accountId: p.accountId, standard: p.standard, version: p.version, received: new Date(p.receivedAt).toISOString() })}/>`,
    ),
    '  </providerPushes>',
    '</portabilityReport>',
    '',
  ];
  return lines.join('\n');
}
