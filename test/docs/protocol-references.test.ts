/**
 * `docs/protocol.md` is this repository's description of the wire protocol, and code and documents
 * cite its sections by number after a section sign (`docs/protocol.md`, section 4 or 5.2). Every
 * citation must land on a numbered heading of that page, and nothing may send a reader to a
 * protocol page outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = 'docs/protocol.md';

/** The section sign, as an escape, so that this file's own text cites no section. */
const S = '\u00a7';

/** The project's folders (with the files at the top level). Tools' scratch folders are not part of it. */
const PROJECT_FOLDERS = new Set(['mock-server', 'sdk', 'contracts', 'scripts', 'test', 'examples', 'docs', 'fixtures', 'bench', '.ci']);
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.git']);
/** Files whose citations count: sources and documents. */
const CITING_FILE = /\.(?:[cm]?[jt]s|md)$/;

const CITATION = new RegExp(`${S}\\s*(\\d+(?:\\.\\d+)*)`, 'g');
/** `RFC 6749 <section sign>4.1.2` and the like cite another document. */
const OTHER_DOCUMENT = /\bRFC\s*\d+\s*$/;
/** A numbered heading: `## 4. Endpoints`, `### 9.4 Consent-page URL parameters`. */
const NUMBERED_HEADING = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)/;

const inProject = (path: string) => {
  const parts = path.split('/');
  if (parts.some((p) => SKIPPED_FOLDERS.has(p))) return false;
  return parts.length === 1 || PROJECT_FOLDERS.has(parts[0]!);
};

/** Every file below `dir` (relative to the root), for checkouts without git. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name) && (dir !== '' || PROJECT_FOLDERS.has(entry.name))) out.push(...walk(path));
    } else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * The project's files: tracked ones and new ones git does not ignore. Without git, or in a copy git
 * ignores (a mutation-testing sandbox), a walk of the project's folders.
 */
function projectFiles(): string[] {
  let listed: string[] = [];
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\0')
      .filter(Boolean);
  } catch {
    // no git here
  }
  if (!listed.includes(DOC)) listed = walk('');
  const files = [...new Set(listed)].filter((f) => inProject(f) && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile());
  return files.sort();
}

/** A file's text, or undefined for binary files. */
function textOf(path: string): string | undefined {
  const bytes = readFileSync(join(ROOT, path));
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

interface Citation {
  section: string;
  line: number;
}

/** The sections a text cites, leaving out citations of RFCs. */
function citationsIn(text: string): Citation[] {
  const out: Citation[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(CITATION)) {
      if (OTHER_DOCUMENT.test(line.slice(0, m.index))) continue;
      out.push({ section: m[1]!, line: i + 1 });
    }
  });
  return out;
}

/** The numbers of a Markdown text's numbered headings, outside code blocks, in order. */
function headingNumbers(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(?:```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    const m = fenced ? null : NUMBERED_HEADING.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

const files = projectFiles();
const doc = readFileSync(join(ROOT, DOC), 'utf8');
const sections = new Set(headingNumbers(doc));

/** `file:line` and section of every citation in the project that no heading of docs/protocol.md carries. */
function unresolvedCitations(): string[] {
  const out: string[] = [];
  for (const file of files.filter((f) => CITING_FILE.test(f))) {
    const text = textOf(file);
    if (text === undefined) continue;
    for (const c of citationsIn(text)) if (!sections.has(c.section)) out.push(`${file}:${c.line} ${S}${c.section}`);
  }
  return out;
}

/** `file:line` for every line of the project's text files that matches `pattern`. */
function linesMatching(pattern: RegExp): string[] {
  const out: string[] = [];
  for (const file of files) {
    const text = textOf(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      if (pattern.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

describe('docs/protocol.md and the citations of its sections', () => {
  it('finds the project files and the numbered sections', () => {
    expect(files).toContain(DOC);
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('mock-server/core/'))).toBe(true);
    expect(files.some((f) => f.startsWith('node_modules/') || f.startsWith('dist/'))).toBe(false);
    for (const n of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) expect(sections, `section ${n}`).toContain(n);
  });

  it('numbers each section once, each subsection under its section', () => {
    const numbers = headingNumbers(doc);
    expect(numbers.filter((n, i) => numbers.indexOf(n) !== i)).toEqual([]);
    expect(numbers.filter((n) => n.includes('.') && !sections.has(n.slice(0, n.lastIndexOf('.'))))).toEqual([]);
  });

  it('reads citations as this check means them', () => {
    const sample = `docs/protocol.md ${S}4, ${S}5.2 and ${S} 8; RFC 7518 ${S}3.5; end of ${S}6.\nnext line ${S}42`;
    expect(citationsIn(sample)).toEqual([
      { section: '4', line: 1 },
      { section: '5.2', line: 1 },
      { section: '8', line: 1 },
      { section: '6', line: 1 },
      { section: '42', line: 2 },
    ]);
    expect(headingNumbers('## 4. Endpoints\n### 9.4 Consent\n```\n## 7. in code\n```\n## Not numbered')).toEqual(['4', '9.4']);
    const bogus = citationsIn(`see docs/protocol.md ${S}42`).filter((c) => !sections.has(c.section));
    expect(bogus).toEqual([{ section: '42', line: 1 }]);
  });

  it('resolves every section cited in code and documents to a heading of docs/protocol.md', () => {
    const cited = files.filter((f) => CITING_FILE.test(f)).flatMap((f) => citationsIn(textOf(f) ?? ''));
    expect(cited.length).toBeGreaterThan(0);
    expect(unresolvedCitations()).toEqual([]);
  });

  it('points nobody at a protocol page outside the repository', () => {
    const outside = new RegExp(['\\.\\./shared', 'shared/PROTOCOL\\.md'].join('|'));
    expect(linesMatching(outside)).toEqual([]);
  });

  it('names docs/protocol.md wherever a section is cited', () => {
    // The older form: the page's bare upper-case name, before a section or with its extension.
    const bareName = new RegExp(`\\b${'PROTO'}${'COL'}(?:\\.md\\b|\\s*${S})`);
    expect(linesMatching(bareName)).toEqual([]);
  });
});
