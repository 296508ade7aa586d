/**
 * Switchable faults of the sandbox: explicit rules consumed in registration order, seeded
 * random chaos, and a fixed latency for creates. It only plans; server.ts carries out.
 */
import { SandboxConfigError } from './errors';
import { type SeededRandom, seededRandom } from './prng';
import type { FaultKind, FaultRule, InjectableStatus, RandomFaultConfig } from './types';

export type FaultOutcome =
  | { kind: 'status'; status: InjectableStatus; retryAfterSeconds?: number; body?: unknown }
  | { kind: 'drop' }
  | { kind: 'created-then-500' }
  | { kind: 'created-then-drop' }
  | { kind: 'applied-then-500' }
  | { kind: 'server-timeout' };

/** What to do to one request: wait `delayMs`, then either handle it normally (`outcome` null) or apply `outcome`. */
export interface PlannedFault {
  delayMs: number;
  outcome: FaultOutcome | null;
  /** What the call record reports; undefined when nothing was injected. */
  kind: FaultKind | undefined;
}

export interface RequestTarget {
  method: string;
  path: string;
  isCreate: boolean;
}

const INJECTABLE_STATUSES: readonly InjectableStatus[] = [400, 401, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504, 505, 520, 522];
const SERVER_ERROR_STATUSES: readonly InjectableStatus[] = [500, 502, 503, 504];
/** Fivetran's documented Retry-After example; "long" random 429s use it unless told otherwise. */
const LONG_RETRY_AFTER_SECONDS = 3600;
const NO_FAULT: PlannedFault = { delayMs: 0, outcome: null, kind: undefined };

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: { config: RandomFaultConfig; prng: SeededRandom } | null = null;
  private createLatencyMs = 0;

  constructor(private readonly defaultSeed: number) {}

  /** Adds a rule after the existing ones; throws SandboxConfigError on a rule that cannot apply. */
  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times >= 1)) throw new SandboxConfigError(`fault 'times' must be >= 1, got ${times}`);
    if (rule.kind === 'latency' && !(rule.delayMs >= 0)) {
      throw new SandboxConfigError(`latency fault 'delayMs' must be >= 0, got ${rule.delayMs}`);
    }
    if (rule.kind === 'status' && !INJECTABLE_STATUSES.includes(rule.status)) {
      throw new SandboxConfigError(`status fault must be one of ${INJECTABLE_STATUSES.join(', ')}, got ${rule.status}`);
    }
    this.rules.push({ rule, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** Turns seeded chaos on (or off with null); probabilities are validated up front. */
  setRandom(config: RandomFaultConfig | null): void {
    if (config === null) {
      this.random = null;
      return;
    }
    const { latency, ...exclusive } = config.probabilities;
    const outcomes = Object.entries(exclusive);
    for (const [name, p] of [...outcomes, ['latency', latency?.p ?? 0] as const]) {
      if (!(p !== undefined && p >= 0 && p <= 1)) throw new SandboxConfigError(`probability '${name}' must be in [0, 1]`);
    }
    if (outcomes.reduce((sum, [, p]) => sum + (p ?? 0), 0) > 1) {
      throw new SandboxConfigError('the exclusive fault probabilities must sum to at most 1');
    }
    if (latency !== undefined && !(latency.minMs >= 0 && latency.maxMs >= latency.minMs)) {
      throw new SandboxConfigError('latency needs 0 <= minMs <= maxMs');
    }
    const { longRetryAfterSeconds } = config;
    if (longRetryAfterSeconds !== undefined && !(Number.isInteger(longRetryAfterSeconds) && longRetryAfterSeconds >= 0)) {
      throw new SandboxConfigError(`longRetryAfterSeconds must be a whole number of seconds >= 0, got ${longRetryAfterSeconds}`);
    }
    this.random = { config, prng: seededRandom(config.seed ?? this.defaultSeed) };
  }

  setCreateLatency(ms: number): void {
    if (!(ms >= 0)) throw new SandboxConfigError(`create latency must be >= 0, got ${ms}`);
    this.createLatencyMs = ms;
  }

  reset(): void {
    this.rules = [];
    this.random = null;
    this.createLatencyMs = 0;
  }

  /** Decides, and consumes, the fault for one request. */
  plan(target: RequestTarget): PlannedFault {
    const base = target.isCreate ? this.createLatencyMs : 0;
    const planned = this.planFromRules(target) ?? this.planFromRandom(target) ?? NO_FAULT;
    return { ...planned, delayMs: base + planned.delayMs };
  }

  private planFromRules(target: RequestTarget): PlannedFault | null {
    const index = this.rules.findIndex(({ rule }) => matches(rule, target));
    const active = this.rules[index];
    if (active === undefined) return null;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules.splice(index, 1);
    const { rule } = active;
    switch (rule.kind) {
      case 'latency':
        return { delayMs: rule.delayMs, outcome: null, kind: 'latency' };
      case 'status': {
        const outcome: FaultOutcome = { kind: 'status', status: rule.status };
        if (rule.retryAfterSeconds !== undefined) outcome.retryAfterSeconds = rule.retryAfterSeconds;
        if (rule.body !== undefined) outcome.body = rule.body;
        return { delayMs: 0, outcome, kind: 'status' };
      }
      default:
        return { delayMs: 0, outcome: { kind: rule.kind }, kind: rule.kind };
    }
  }

  private planFromRandom(target: RequestTarget): PlannedFault | null {
    if (this.random === null) return null;
    const { config, prng } = this.random;
    const { latency } = config.probabilities;
    // Always draw the same number of values per request, so one request's path does not shift the next one's luck.
    const latencyRoll = prng.next();
    const latencyMs = prng.next();
    const outcomeRoll = prng.next();
    const statusPick = prng.next();
    const delayMs =
      latency !== undefined && latencyRoll < latency.p ? latency.minMs + Math.floor(latencyMs * (latency.maxMs - latency.minMs + 1)) : 0;
    const outcome = pickOutcome(config, target, outcomeRoll, statusPick);
    if (delayMs === 0 && outcome === null) return null;
    const kind: FaultKind = outcome === null ? 'latency' : outcome.kind;
    return { delayMs, outcome, kind };
  }
}

function pickOutcome(config: RandomFaultConfig, target: RequestTarget, roll: number, statusPick: number): FaultOutcome | null {
  const p = config.probabilities;
  const candidates: Array<[number, () => FaultOutcome]> = [
    [p.status429Short ?? 0, () => ({ kind: 'status', status: 429, retryAfterSeconds: 1 })],
    [
      p.status429Long ?? 0,
      () => ({ kind: 'status', status: 429, retryAfterSeconds: config.longRetryAfterSeconds ?? LONG_RETRY_AFTER_SECONDS }),
    ],
    [
      p.status5xx ?? 0,
      () => ({
        kind: 'status',
        status: SERVER_ERROR_STATUSES[Math.floor(statusPick * SERVER_ERROR_STATUSES.length)] as InjectableStatus,
      }),
    ],
    [p.drop ?? 0, () => ({ kind: 'drop' })],
    [target.isCreate ? (p.createdThen500 ?? 0) : 0, () => ({ kind: 'created-then-500' })],
  ];
  let threshold = 0;
  for (const [probability, outcome] of candidates) {
    threshold += probability;
    if (roll < threshold) return outcome();
  }
  return null;
}

function matches(rule: FaultRule, target: RequestTarget): boolean {
  // A create-then-* rule means nothing for other requests, so it waits for the next create.
  if ((rule.kind === 'created-then-500' || rule.kind === 'created-then-drop') && !target.isCreate) return false;
  // Likewise an applied-then-500 rule waits for a request that changes something.
  if (rule.kind === 'applied-then-500' && (target.method === 'GET' || target.method === 'HEAD')) return false;
  if (rule.method !== undefined && rule.method !== target.method) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return rule.path === target.path;
  rule.path.lastIndex = 0;
  return rule.path.test(target.path);
}
