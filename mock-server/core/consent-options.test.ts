/**
 * Reading the consent-page parameters (docs/protocol.md §9.4): defaults, booleans, and
 * `sourcesScope`, which the official SDK percent-encodes once more than the URL needs. The mock
 * ignores `sourcesScope`, so what it reads is visible only here.
 */
import { describe, expect, it } from 'vitest';
import { consentPageOptions } from './consent-options.js';

const read = (query: string) => {
  const q = new URLSearchParams(query);
  return consentPageOptions((name) => q.get(name));
};

describe('consentPageOptions', () => {
  it('has the defaults of a page opened with the code alone', () => {
    expect(read('code=x')).toEqual({
      sourceType: 'pull',
      service: undefined,
      sampleDataSet: undefined,
      sampleDataAutoOnboard: false,
      includeSampleDataOnlySources: false,
      triggerQuery: true,
      sourcesScope: undefined,
      lng: undefined,
    });
  });

  it('reads booleans as true or false only, and push as the only other source type', () => {
    expect(read('sourceType=push&sampleDataAutoOnboard=true&includeSampleDataOnlySources=true&triggerQuery=false')).toMatchObject({
      sourceType: 'push',
      sampleDataAutoOnboard: true,
      includeSampleDataOnlySources: true,
      triggerQuery: false,
    });
    expect(read('sourceType=PUSH&sampleDataAutoOnboard=yes&triggerQuery=0')).toMatchObject({
      sourceType: 'pull',
      sampleDataAutoOnboard: false,
      triggerQuery: true,
    });
  });

  it('decodes sourcesScope twice, as the official SDK encodes it', () => {
    const scope = { dataType: ['vaccinations', 'appointments'], organizationType: 'hospital' };
    const url = new URLSearchParams({ sourcesScope: encodeURIComponent(JSON.stringify(scope)) }).toString();
    expect(read(url).sourcesScope).toEqual(scope);
  });

  it('leaves a sourcesScope that does not decode or parse unread, without failing', () => {
    for (const raw of ['%E0%A4%A', '%7Bnot%20json', encodeURIComponent('{"a":')]) {
      expect(read(new URLSearchParams({ sourcesScope: raw }).toString()).sourcesScope).toBeUndefined();
    }
  });

  it('treats empty values as absent', () => {
    expect(read('service=&sampleDataSet=&lng=')).toMatchObject({ service: undefined, sampleDataSet: undefined, lng: undefined });
  });
});
