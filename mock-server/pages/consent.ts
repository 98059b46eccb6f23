/**
 * The consent web client's pages (docs/protocol.md §4, O+authorize / user-reauth / onboard), as plain HTML
 * with no script: a form that posts the decision back.
 */
import { type ConsentRequest, objectTypeName, type SessionOptions, type User } from '../core/index.js';

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const GROUPS: Record<number, string> = { 1: 'Social', 2: 'Medical', 3: 'Finance', 4: 'Health & Fitness', 5: 'Music', 6: 'Entertainment' };

/** Service type names from the users' accounts (Spotify for 19, …), for the page's wording. */
function serviceNames(users: User[]): Map<number, string> {
  return new Map(users.flatMap((u) => u.accounts.map((a) => [a.serviceTypeId, a.serviceTypeName] as const)));
}

function describeScope(options: SessionOptions | undefined, services: Map<number, string>): string[] {
  const scope = options?.scope;
  const lines: string[] = [];
  for (const g of scope?.serviceGroups ?? []) {
    const types = (g.serviceTypes ?? []).map((t) => {
      const objects = (t.serviceObjectTypes ?? []).map((o) => objectTypeName(o.id) ?? `object type ${o.id}`).join(', ');
      return `${services.get(t.id) ?? `service ${t.id}`}${objects ? ` (${objects})` : ''}`;
    });
    lines.push(`${GROUPS[g.id] ?? `Service group ${g.id}`}${types.length ? `: ${types.join('; ')}` : ''}`);
  }
  for (const r of scope?.timeRanges ?? []) {
    if ('last' in r) lines.push(`The last ${r.last}`);
    else {
      const day = (s?: number) => (s === undefined ? '…' : new Date(s * 1000).toISOString().slice(0, 10));
      lines.push(`From ${day(r.from)} to ${day(r.to)}`);
    }
  }
  if (lines.length === 0) lines.push('All the data in your library that the contract covers');
  return lines;
}

export const layout = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · digi.me mock</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
  .card { border: 1px solid #d2d2d7; border-radius: 12px; padding: 1.5rem; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  .badge { display: inline-block; font-size: .75rem; background: #fff4d6; border: 1px solid #e6c35c; border-radius: 6px; padding: 0 .4rem; }
  ul { padding-left: 1.2rem; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: 8px; border: 1px solid #888; cursor: pointer; background: #fff; }
  button.approve { background: #0a7d32; border-color: #0a7d32; color: #fff; }
  .error { color: #b00020; }
</style>
</head>
<body>
<p><span class="badge">digi.me mock server</span></p>
<div class="card">
${body}
</div>
</body>
</html>
`;

const HEADINGS = {
  authorize: 'wants to access your data',
  'user-reauth': 'asks you to confirm your consent again',
  onboard: 'asks you to add a service to your library',
} as const;

/** What a consent page shows besides its request (docs/protocol.md §9.4). */
export interface ConsentPageExtras {
  /** The source preselected (`service`). */
  service?: string;
  /** The source picker's choices (onboard); none hides it. */
  sources?: { id: number; name: string }[];
  /** Sample-data onboarding: whose data set, for which source. */
  sample?: { dataSet: string; name: string; source: string };
  /** `false` travels with the form. */
  triggerQuery?: boolean;
  /** A `cloudId` reference: the app's storage, which becomes the user's on approval. */
  storageRef?: string;
}

/** The source picker, or the hidden fields that carry the source and sample data set through the form. */
function sourceFields({ service, sources = [], sample, triggerQuery, storageRef }: ConsentPageExtras): string {
  const fields: string[] = [];
  if (sample) {
    fields.push(
      `<p id="sample-data">Sample data: <strong>${escapeHtml(sample.name)}</strong>'s ${escapeHtml(sample.source)} data, as a sample account.</p>`,
      `<input type="hidden" name="sampleDataSet" value="${escapeHtml(sample.dataSet)}">`,
    );
  }
  if (sources.length > 0 && !sample) {
    const options = sources
      .map((s) => `<option value="${s.id}"${String(s.id) === service ? ' selected' : ''}>${escapeHtml(s.name)}</option>`)
      .join('');
    fields.push(`<label for="service">Source</label>
  <select id="service" name="service"><option value="">(choose a source)</option>${options}</select>`);
  } else if (service) {
    fields.push(`<input type="hidden" name="service" value="${escapeHtml(service)}">`);
  }
  if (triggerQuery === false) fields.push('<input type="hidden" name="triggerQuery" value="false">');
  if (storageRef) {
    fields.push(
      '<p id="storage">The app has made a storage for you; approving makes it yours.</p>',
      `<input type="hidden" name="storageRef" value="${escapeHtml(storageRef)}">`,
    );
  }
  return fields.join('\n  ');
}

export function consentPage(request: ConsentRequest, action: string, defaultUser: string, extras: ConsentPageExtras = {}): string {
  const { app, code, page, users, boundUser } = request;
  const chooser = boundUser
    ? `<p>Signed in as <strong>${escapeHtml(boundUser.name)}</strong>.</p>`
    : `<label for="user">Sign in as</label>
  <select id="user" name="user">${users
    .map((u) => `<option value="${escapeHtml(u.id)}"${u.id === defaultUser ? ' selected' : ''}>${escapeHtml(u.name)} (${escapeHtml(u.id)})</option>`)
    .join('')}</select>`;
  const wants = describeScope(code.sessionOptions, serviceNames(users))
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('');
  return layout(
    `${app.name} consent`,
    `<h1 id="heading"><span id="app-name">${escapeHtml(app.name)}</span> ${HEADINGS[page]}</h1>
${app.description ? `<p id="app-description">${escapeHtml(app.description)}</p>` : ''}
<p>Contract <code>${escapeHtml(app.contractId)}</code> asks for:</p>
<ul id="scope">${wants}</ul>
<form method="post" action="${escapeHtml(action)}">
  <input type="hidden" name="code" value="${escapeHtml(code.code)}">
  ${sourceFields(extras)}
  ${chooser}
  <div class="actions">
    <button class="approve" type="submit" name="decision" value="accept" id="approve">Approve</button>
    <button type="submit" name="decision" value="deny" id="deny">Deny</button>
  </div>
</form>`,
  );
}

export function consentErrorPage(message: string): string {
  return layout('Consent', `<h1>Consent cannot continue</h1><p class="error" id="error">${escapeHtml(message)}</p>`);
}
