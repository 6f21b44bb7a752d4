/** Measuring helpers for the benchmark: a concurrency pool, percentiles, and process CPU/RSS sampling. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tsProcess } from '../dev-server';

const ROOT = path.resolve(__dirname, '..', '..');
const CLOCK_TICKS_PER_SECOND = 100;

/** Runs `task(0..count-1)` with at most `concurrency` at once; latencies in ms, wall seconds, throughput per second. */
export async function runConcurrently<T>(count: number, concurrency: number, task: (index: number) => Promise<T>) {
  const latencies: number[] = [];
  const values: T[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        const begun = performance.now();
        values[index] = await task(index);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, values, seconds, perSecond: count / seconds };
}

/**
 * CPU seconds used so far by every process in a process group: the dev server runs in one of
 * its own (scripts/dev-server.ts), headed by a watchdog shell that costs next to nothing.
 */
export function groupCpuSeconds(groupId: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (Number(fields[2]) === groupId) ticks += cpuTicks(fields);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (state, ppid, pgrp, ...); empty once the process is gone. */
function statFields(pid: number | string): string[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return [];
  }
}

/** utime + stime, the 14th and 15th fields overall. */
function cpuTicks(fields: string[]): number {
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A stack process (node + tsx, one OS process) whose CPU time and peak RSS can be read. */
export class BenchProcess {
  private peakRssKb = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly child: ChildProcess) {
    this.timer = setInterval(() => (this.peakRssKb = Math.max(this.peakRssKb, this.rssKb())), 200);
  }

  static async start(name: string, script: string, env: NodeJS.ProcessEnv, readyWhen: string): Promise<BenchProcess> {
    const child = spawn(...tsProcess(path.join(ROOT, script)), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes(readyWhen)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
    });
    const started = new BenchProcess(child);
    started.resetPeakRss();
    return started;
  }

  resetPeakRss(): void {
    this.peakRssKb = this.rssKb();
  }

  /** Peak RSS since the last reset (sampled every 200 ms). */
  peakRssMb(): number {
    return Math.max(this.peakRssKb, this.rssKb()) / 1024;
  }

  /** CPU seconds the process has used since it started. */
  cpuSeconds(): number {
    return cpuTicks(statFields(this.child.pid!)) / CLOCK_TICKS_PER_SECOND;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private rssKb(): number {
    const match = /VmRSS:\s+(\d+) kB/.exec(this.procFile('status'));
    return match ? Number(match[1]) : 0;
  }

  private procFile(name: string): string {
    try {
      return readFileSync(`/proc/${this.child.pid}/${name}`, 'utf8');
    } catch {
      return '';
    }
  }
}
