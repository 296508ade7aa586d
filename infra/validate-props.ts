import { Token } from 'aws-cdk-lib';
import { checkKnob, type KnobName, type KnobSpec, SETTINGS } from '../shared/runtime/settings';
import { knobValues, type ResolvedProvisionerSettings } from './provisioner-props';

/**
 * Synth-time checks of the stack's settings, so a bad value fails `cdk synth`
 * with the property's name instead of a failed deployment or a function that
 * refuses its environment at cold start. Each knob's type and range come from
 * the settings table (shared/runtime/settings.ts); the rules here are the ones
 * that span properties or hold only for a deployment.
 */

/** Deployed, Fivetran is reached over https only: the table's rule also lets the local sandbox answer on loopback. */
const STRICTER_HERE = new Set<KnobName>(['fivetranApiUrl']);
const COMPLETE_SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const EVENT_BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** The backfill's name travels in its events and names its schedule's construct. */
const BACKFILL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** EventBridge Scheduler's recurring expressions (one-time `at(...)` schedules are not backfills). */
const SCHEDULE_EXPRESSION = /^(cron\(\S+( \S+){5}\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/**
 * A manifest key becomes part of an IAM resource: `*` and `?` would widen the
 * grant to other objects and `${...}` is a policy variable, so none are allowed.
 */
const MANIFEST_KEY = /^[^*?$]{1,1024}$/;
/** Fivetran's 60 s limit on a request, and 5 s for its answer to arrive. */
const MIN_CREATE_TIMEOUT_MS = 65_000;

/**
 * Creations in flight that Fivetran's per-minute limits can take in one burst:
 * 20 creations a minute in an older generation of its documentation, 25
 * source interactions a minute on trial accounts (docs/fivetran.md).
 */
export const FIVETRAN_BURST = 20;

/**
 * Settings the stack accepts but Fivetran's limits will not serve as they
 * suggest: `cdk synth` shows them as warnings.
 */
export function provisionerWarnings(s: ResolvedProvisionerSettings): string[] {
  const warnings: string[] = [];
  const inFlight = s.maxConcurrency * s.recordConcurrency;
  if (inFlight > FIVETRAN_BURST) {
    warnings.push(
      `maxConcurrency × recordConcurrency = ${s.maxConcurrency} × ${s.recordConcurrency} = ${inFlight} creates may be in flight at once, ` +
        `more than Fivetran's per-minute limits take in one burst (${FIVETRAN_BURST}): the first window of a backlog meets up to ${inFlight - FIVETRAN_BURST} 429s ` +
        `before the rate gates slow down. Nothing is lost (waits are deferred on the queue), but it costs calls; lower either, ` +
        `or accept it for an account with a higher limit`,
    );
  }
  return warnings;
}

export class ProvisionerPropsError extends Error {
  override readonly name = 'ProvisionerPropsError';
}

export function validateProvisionerProps(s: ResolvedProvisionerSettings): void {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  checkKnobs(s, check);
  // Lambda allows batches above 10 only with a batching window.
  if (s.maxBatchingWindow.toSeconds({ integral: false }) < 1)
    check(
      s.batchSize <= 10,
      `batchSize must be a whole number from 1 to 10, got ${s.batchSize} (more only with a maxBatchingWindow of at least 1 second)`,
    );

  const requestMs = s.fivetranRequestTimeout.toMilliseconds();
  const createMs = s.fivetranCreateTimeout.toMilliseconds();
  const marginMs = s.safetyMargin.toMilliseconds();
  check(requestMs >= 1000, 'fivetranRequestTimeout must be at least 1 second');
  // Fivetran answers a create within 60 s (a 500 when its setup tests took longer); giving up sooner posts again blindly.
  check(createMs >= MIN_CREATE_TIMEOUT_MS, 'fivetranCreateTimeout must be at least 65 seconds');
  check(marginMs >= 1000, 'safetyMargin must be at least 1 second');
  // A lookup, a create Fivetran answers late and the margin to publish must fit in an invocation.
  check(
    requestMs + createMs + marginMs <= s.functionTimeout.toMilliseconds(),
    'functionTimeout must be at least fivetranRequestTimeout + fivetranCreateTimeout + safetyMargin',
  );

  check(
    isHttpsUrl(s.fivetranApiUrl),
    `fivetranApiUrl must be an absolute https:// URL of the API host only, such as https://api.fivetran.com, got "${s.fivetranApiUrl}"`,
  );

  const existingSecret = s.existingFivetranApiSecret;
  if (existingSecret !== undefined) {
    check(
      existingSecret.startsWith('arn:') ? COMPLETE_SECRET_ARN.test(existingSecret) : SECRET_NAME.test(existingSecret),
      `existingFivetranApiSecret must be a secret name or a complete secret ARN (ending in "-" and 6 characters), got "${existingSecret}"`,
    );
  }
  if (s.existingEventBusName !== undefined) {
    check(
      EVENT_BUS_NAME.test(s.existingEventBusName),
      `existingEventBusName must be the name (not the ARN) of a bus in this account and region, got "${s.existingEventBusName}"`,
    );
  }
  check(!(s.alarmTopicArn !== undefined && s.alarmEmail !== undefined), 'set alarmTopicArn or alarmEmail, not both');
  if (s.alarmTopicArn !== undefined) check(TOPIC_ARN.test(s.alarmTopicArn), `alarmTopicArn is not an SNS topic ARN: "${s.alarmTopicArn}"`);
  if (s.alarmEmail !== undefined)
    check(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.alarmEmail), `alarmEmail is not an e-mail address: "${s.alarmEmail}"`);

  checkSchedules(s, check);
  checkSubscribers(s, check);

  if (problems.length > 0) throw new ProvisionerPropsError(`Invalid ProvisionerStack properties: ${problems.join('; ')}`);
}

function checkSchedules(s: ResolvedProvisionerSettings, check: (ok: boolean, problem: string) => void): void {
  const names = new Set<string>();
  s.backfills.forEach((backfill, index) => {
    const where = `backfills[${index}]`;
    check(BACKFILL_NAME.test(backfill.name), `${where}.name must be 1 to 64 of A-Za-z0-9_-, got "${backfill.name}"`);
    check(!names.has(backfill.name), `${where}.name "${backfill.name}" is used by another backfill`);
    names.add(backfill.name);
    check(
      SCHEDULE_EXPRESSION.test(backfill.schedule),
      `${where}.schedule must be cron(...) with six fields or rate(n unit), got "${backfill.schedule}"`,
    );
    if (backfill.timeZone !== undefined)
      check(isTimeZone(backfill.timeZone), `${where}.timeZone must be an IANA time zone such as Europe/Berlin, got "${backfill.timeZone}"`);
    check(
      MANIFEST_KEY.test(backfill.manifest.key),
      `${where}.manifest.key must be 1 to 1024 characters without *, ? or $, got "${backfill.manifest.key}"`,
    );
    if (backfill.manifest.bucketName !== undefined) {
      check(
        BUCKET_NAME.test(backfill.manifest.bucketName),
        `${where}.manifest.bucketName is not an S3 bucket name: "${backfill.manifest.bucketName}"`,
      );
    }
    check(
      backfill.mode === undefined || backfill.mode === 'missing' || backfill.mode === 'all',
      `${where}.mode must be "missing" or "all"`,
    );
  });
  if (s.manifestBucketName !== undefined)
    check(BUCKET_NAME.test(s.manifestBucketName), `manifestBucketName is not an S3 bucket name: "${s.manifestBucketName}"`);
  const redrive = s.redriveSchedule;
  if (redrive !== undefined) {
    check(
      SCHEDULE_EXPRESSION.test(redrive.schedule),
      `redriveSchedule.schedule must be cron(...) with six fields or rate(n unit), got "${redrive.schedule}"`,
    );
    if (redrive.timeZone !== undefined)
      check(isTimeZone(redrive.timeZone), `redriveSchedule.timeZone must be an IANA time zone, got "${redrive.timeZone}"`);
    const rate = redrive.maxMessagesPerSecond;
    if (rate !== undefined) problem(checkKnob('maxMessagesPerSecond', rate, 'redriveSchedule.maxMessagesPerSecond'), check);
  }
}

const RULE_ID = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** EventBridge's limit of targets per rule. */
const MAX_TARGETS_PER_RULE = 5;

function checkSubscribers(s: ResolvedProvisionerSettings, check: (ok: boolean, problem: string) => void): void {
  const ids = new Set<string>();
  s.subscriberRules.forEach((rule, index) => {
    const where = `subscriberRules[${index}]`;
    check(RULE_ID.test(rule.id), `${where}.id must be a letter then letters and digits, at most 64, got "${rule.id}"`);
    check(!ids.has(rule.id), `${where}.id "${rule.id}" is used by another subscriber rule`);
    ids.add(rule.id);
    check(
      rule.targets.length >= 1 && rule.targets.length <= MAX_TARGETS_PER_RULE,
      `${where}.targets must hold 1 to ${MAX_TARGETS_PER_RULE} targets, got ${rule.targets.length}`,
    );
    // The source is the provisioner's, always: a rule that names another would match nothing of it, or something else.
    check(
      rule.eventPattern === undefined || !('source' in rule.eventPattern),
      `${where}.eventPattern must not name a source: the provisioner's (${s.eventSource}) is set for every rule`,
    );
  });
  const access = s.subscriberAccess;
  if (access === undefined) return;
  const accounts = access.accounts ?? [];
  check(!(accounts.length > 0 && access.organizationId !== undefined), 'subscriberAccess: set accounts or organizationId, not both');
  check(accounts.length > 0 || access.organizationId !== undefined, 'subscriberAccess needs accounts or an organizationId');
  for (const account of accounts) {
    check(
      !Token.isUnresolved(account) && ACCOUNT_ID.test(account),
      `subscriberAccess.accounts must be 12-digit account ids, got "${account}"`,
    );
  }
  if (access.organizationId !== undefined)
    check(
      ORGANIZATION_ID.test(access.organizationId),
      `subscriberAccess.organizationId is not an organization id (o-...): "${access.organizationId}"`,
    );
}

/** Each property that sets a knob, against the knob's range; a Duration in the knob's unit. */
function checkKnobs(s: ResolvedProvisionerSettings, check: (ok: boolean, problem: string) => void): void {
  const values = knobValues(s);
  for (const name of Object.keys(values) as KnobName[]) {
    const value = values[name];
    // A token (a prefix built from the stack name) is checked by the function at cold start.
    if (STRICTER_HERE.has(name) || (typeof value === 'string' && Token.isUnresolved(value))) continue;
    const spec: KnobSpec<unknown> = SETTINGS[name];
    problem(checkKnob(name, value, spec.unit === undefined ? spec.prop : `${spec.prop} in ${UNIT_WORDS[spec.unit]}`), check);
  }
}

const UNIT_WORDS = { ms: 'milliseconds', s: 'seconds', min: 'minutes', days: 'days' } as const;

function problem(found: string | undefined, check: (ok: boolean, problem: string) => void): void {
  if (found !== undefined) check(false, found);
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Same rule as the worker's FIVETRAN_API_URL: https, the host only (the client adds /v1/...). */
function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' && url.pathname.replace(/\/+$/, '') === '' && !url.search && !url.hash && !url.username && !url.password
    );
  } catch {
    return false;
  }
}
