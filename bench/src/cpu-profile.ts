// Where the exporter's CPU goes during the ingest section: a sampling profile of its main thread
// (node:inspector, in the exporter's own process), each sample attributed to the step of the
// ingest path that runs it, and the process's CPU time beyond the main thread (ClickHouse's own
// threads in the embedded store, libuv's) as "store threads". Profile, do not guess (issue 21).
//
// A sampling profile counts the main thread's time off idle, including time it was runnable but
// not running (2 shared cores): the steps' shares come from the profile, their sum is the main
// thread's CPU time as the kernel counted it (/proc/self/task/<pid>/stat).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Session } from 'node:inspector/promises';

/** The steps of the ingest path, in the order the bench prints them. */
export const CPU_STEPS = [
  'receive',
  'decode',
  'map',
  'serialise',
  'batch',
  'digest',
  'alerts',
  'compliance',
  'store (JS side)',
  'gc',
  'other',
] as const;
export type CpuStep = (typeof CPU_STEPS)[number];

/** Milliseconds of CPU per step over a profiled section, and the process's CPU beside it. */
export interface CpuBreakdown {
  /** The main thread's CPU time, shared out over the steps as the profile's samples are. */
  mainThreadMs: Record<CpuStep, number>;
  /** User + system CPU of the whole process over the section. */
  processMs: number;
}

/** User + system CPU of this process's main thread, in ms (Linux; clock ticks of 10 ms). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The step a frame belongs to, by the exporter's folder that holds its code (dist/<folder>/…), or
 * undefined for frames that only pass through (node internals, shared helpers): their caller decides.
 */
function stepOfFrame(frame: ProfileNode['callFrame']): CpuStep | undefined {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'gc';
  if (url.includes('/node_modules/protobufjs/') || url.includes('/dist/otlp/decode')) return 'decode';
  if (url.includes('/dist/otlp/logs-protobuf')) return 'decode';
  if (url.includes('/dist/mapping/')) return 'map';
  if (url.includes('/dist/ingest/table-writer'))
    return functionName === 'serialiseRow' ? 'serialise' : 'batch';
  if (url.includes('/dist/integrity/')) return 'digest';
  if (url.includes('/dist/alerts/')) return 'alerts';
  if (
    url.includes('/dist/compliance/') ||
    url.includes('/dist/retention/') ||
    url.includes('/dist/self-audit/')
  )
    return 'compliance';
  if (url.includes('/dist/store/') || url.includes('/node_modules/chdb/')) return 'store (JS side)';
  if (
    url.includes('/dist/http/') ||
    url.includes('/dist/ingest/') ||
    url.includes('/dist/grpc/') ||
    url.startsWith('node:http') ||
    url.startsWith('node:_http') ||
    url.startsWith('node:zlib')
  )
    return 'receive';
  return undefined;
}

/** Sampled time per step: each sample goes to the innermost frame of its stack that belongs to a step. */
export function breakdown(profile: Profile): Record<CpuStep, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stepOfNode = new Map<number, CpuStep | 'idle'>();
  const resolve = (id: number): CpuStep | 'idle' => {
    const known = stepOfNode.get(id);
    if (known) return known;
    const node = byId.get(id);
    let step: CpuStep | 'idle' = 'other';
    if (node?.callFrame.functionName === '(idle)') step = 'idle';
    else if (node) {
      const own = stepOfFrame(node.callFrame);
      const up = parent.get(id);
      step = own ?? (up === undefined ? 'other' : resolve(up));
    }
    stepOfNode.set(id, step);
    return step;
  };
  const ms = Object.fromEntries(CPU_STEPS.map((s) => [s, 0])) as Record<CpuStep, number>;
  for (let i = 0; i < profile.samples.length; i++) {
    const step = resolve(profile.samples[i] as number);
    if (step !== 'idle') ms[step] += (profile.timeDeltas[i] ?? 0) / 1000;
  }
  return ms;
}

/** A sampling CPU profiler of this process's main thread, started and stopped around a section. */
export class SectionProfiler {
  private readonly session = new Session();
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private mainThreadAtStart = 0;

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    // 200 µs: fine enough for steps of a few µs per record over tens of thousands of records.
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    this.cpuAtStart = process.cpuUsage();
    this.mainThreadAtStart = mainThreadCpuMs();
    await this.session.post('Profiler.start');
  }

  /** Stops; with `saveTo`, also writes the profile there (open it in Chrome DevTools). */
  async stop(saveTo?: string): Promise<CpuBreakdown> {
    const { profile } = (await this.session.post('Profiler.stop')) as { profile: Profile };
    if (saveTo) {
      mkdirSync(dirname(saveTo), { recursive: true });
      writeFileSync(saveTo, JSON.stringify(profile));
    }
    const cpu = process.cpuUsage(this.cpuAtStart);
    const mainMs = mainThreadCpuMs() - this.mainThreadAtStart;
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    const sampled = breakdown(profile);
    const sampledMs = Object.values(sampled).reduce((a, b) => a + b, 0);
    const scale = sampledMs > 0 ? mainMs / sampledMs : 0;
    const mainThreadMs = Object.fromEntries(CPU_STEPS.map((step) => [step, sampled[step] * scale])) as Record<
      CpuStep,
      number
    >;
    return { mainThreadMs, processMs: (cpu.user + cpu.system) / 1000 };
  }
}
