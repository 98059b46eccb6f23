/**
 * Runs the `digime-mock` command as a user does, in its own process, and waits (on its output, not
 * on a clock) until it says where it listens, or until it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every process started here; tests stop what they left running with `stopAll()` (afterEach). */
const running: ChildProcess[] = [];

export function stopAll(): void {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export interface Started {
  url: string;
  output: () => string;
  proc: ChildProcess;
}

/** A failed start: the exit code and everything the command printed. */
export type StartFailure = Error & { code: number | null; output: string };

export function startCommand(
  args: string[],
  env: Record<string, string> = {},
  entry = ['--import', 'tsx', 'mock-server/cli.ts'],
): Promise<Started> {
  const proc = spawn(process.execPath, [...entry, ...args], {
    cwd: root,
    env: { ...process.env, DIGIME_MOCK_LOG_LEVEL: 'silent', ...env },
  });
  running.push(proc);
  let output = '';
  return new Promise((resolve, reject) => {
    let started = false;
    proc.stdout!.on('data', (d) => {
      output += d;
      const m = /listening on (https?:\/\/\S+)/.exec(output);
      if (!started && m && output.includes('Make the access token expire')) {
        started = true;
        resolve({ url: m[1]!, output: () => output, proc });
      }
    });
    proc.stderr!.on('data', (d) => (output += d));
    proc.on('exit', (code) => {
      if (!started) reject(Object.assign(new Error(`exited ${code}: ${output}`), { code, output }));
    });
  });
}

/** Resolves with the exit code (null when a signal ended it) once the process has exited. */
export function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}
