/**
 * What the official SDKs put in a consent page's URL besides the code (docs/protocol.md §9.4), read
 * once here: the source type and preselected source, sample-data onboarding, whether the new
 * account's data is fetched into the session, and the parameters the mock reads but does not act
 * on (`sourcesScope`, `lng`). None of them can make a page fail, except a sample data set that
 * does not exist.
 */
import { type Catalogue, type CatalogueSource, findSource, pickerSources } from './catalogue.js';
import { type ConsentRequest, sampleDataChoice } from './consent.js';
import type { CoreContext } from './context.js';

export interface ConsentPageOptions {
  /** `pull` (default) or `push`: which sources the picker lists. */
  sourceType: 'pull' | 'push';
  /** A source id to preselect (onboard: the one to add). */
  service?: string;
  /** A sample data set (a fixture user's id) to onboard instead of a live account. */
  sampleDataSet?: string;
  sampleDataAutoOnboard: boolean;
  includeSampleDataOnlySources: boolean;
  /** `false`: the session handed out with the code leaves the new accounts out. */
  triggerQuery: boolean;
  /** `sourcesScope` as the SDK means it (JSON encoded twice), or undefined when absent or unreadable. */
  sourcesScope?: unknown;
  lng?: string;
}

const flag = (raw: string | null | undefined, fallback: boolean) => (raw === 'true' ? true : raw === 'false' ? false : fallback);
const present = (raw: string | null | undefined) => (raw === null || raw === undefined || raw === '' ? undefined : raw);

/** The SDK percent-encodes the JSON before the URL encodes it again: decode once more, then parse. */
function sourcesScope(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(decodeURIComponent(raw));
  } catch {
    return undefined;
  }
}

/** Reads the parameters from a query (or form) by name. */
export function consentPageOptions(param: (name: string) => string | null | undefined): ConsentPageOptions {
  return {
    sourceType: param('sourceType') === 'push' ? 'push' : 'pull',
    service: present(param('service')),
    sampleDataSet: present(param('sampleDataSet')),
    sampleDataAutoOnboard: flag(param('sampleDataAutoOnboard'), false),
    includeSampleDataOnlySources: flag(param('includeSampleDataOnlySources'), false),
    triggerQuery: flag(param('triggerQuery'), true),
    sourcesScope: sourcesScope(present(param('sourcesScope'))),
    lng: present(param('lng')),
  };
}

/** What a consent page shows besides the request: the source picker and the sample data it will onboard. */
export interface ConsentPageView {
  /** The sources the picker offers (onboard only; empty elsewhere). */
  sources: CatalogueSource[];
  sample?: { dataSet: string; name: string; source: string };
}

/** Throws ConsentPageError for a sample data set that does not exist, before anything is shown. */
export function consentPageView(
  ctx: CoreContext,
  catalogue: Catalogue,
  { page }: Pick<ConsentRequest, 'page'>,
  options: ConsentPageOptions,
): ConsentPageView {
  const sampled = page === 'authorize' || page === 'onboard' ? sampleDataChoice(ctx, options.service, options.sampleDataSet) : undefined;
  return {
    sources: page === 'onboard' && !sampled ? pickerSources(catalogue, options.sourceType === 'push' ? 2 : 1, options.includeSampleDataOnlySources) : [],
    sample: sampled && {
      dataSet: sampled.dataUser.id,
      name: sampled.dataUser.name,
      source: findSource(catalogue, options.service)?.name ?? sampled.dataAccount.serviceTypeName,
    },
  };
}
