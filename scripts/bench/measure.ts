/**
 * What the benchmark reads off the machine: the machine itself, how busy it is, and each process's
 * CPU time and memory, from /proc (Linux). Where /proc is missing the readings are zero.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os';

export const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `median (min–max)`. */
export const range = (xs: number[], digits = 0) =>
  xs.length === 1 ? xs[0]!.toFixed(digits) : `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${type()} ${release()} ${arch()}, Node ${process.version}`;
}

export const cores = () => cpus().length;

export const load1 = () => loadavg()[0]!;

const TICK_MS = 10; // USER_HZ is 100 on Linux

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** CPU time (ms, user + system) of a process, or of one of its threads. */
export function cpuMs(pid: number, tid?: number): number {
  const stat = read(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU time (ms) of each thread of a process. */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) out.set(Number(t), cpuMs(pid, Number(t)));
  return out;
}

/** Busy CPU time (ms) of the whole machine, all cores together. */
export function machineBusyMs(): number {
  const line = read('/proc/stat').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8) return 0;
  const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** Resident memory of a process, MB. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0) / 1024;
}

/**
 * CPU use over a window, in cores: the server (its main thread, and the rest: the thread pool that
 * signs, GC helpers), this process (the load generator), and everything else on the machine.
 */
export interface CpuShare {
  serverCores: number;
  serverMainCores: number;
  loaderCores: number;
  otherCores: number;
}

export function cpuWindow(serverPid: number | undefined) {
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const server0 = serverPid ? cpuMs(serverPid) : 0;
  const main0 = serverPid ? cpuMs(serverPid, serverPid) : 0;
  const busy0 = machineBusyMs();
  return (): CpuShare => {
    const ms = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const loader = (self.user + self.system) / 1000;
    const server = serverPid ? cpuMs(serverPid) - server0 : 0;
    const main = serverPid ? cpuMs(serverPid, serverPid) - main0 : 0;
    const busy = machineBusyMs() - busy0;
    return {
      serverCores: server / ms,
      serverMainCores: main / ms,
      loaderCores: loader / ms,
      otherCores: Math.max(0, busy - server - loader) / ms,
    };
  };
}
