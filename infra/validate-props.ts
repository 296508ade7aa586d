import { Token } from 'aws-cdk-lib';
import type { ResolvedProvisionerSettings } from './provisioner-stack';

/**
 * Synth-time checks of the stack's settings. Each mirrors a limit of AWS or a
 * rule of the worker's configuration (shared/runtime/settings.ts), so a bad value fails
 * `cdk synth` with the property's name instead of a failed deployment or a
 * worker that refuses its environment at cold start.
 */

/** Same rule as the worker's CREDENTIALS_SECRET_PREFIX. */
const SECRET_PREFIX = /^[A-Za-z0-9/_+=.@-]+\/$/;
/** Same rule as the worker's EVENT_SOURCE. */
const EVENT_SOURCE = /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/;
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
const MAX_MOVE_RATE = 500;
/** Fivetran's 60 s limit on a request, and 5 s for its answer to arrive. */
const MIN_CREATE_TIMEOUT_MS = 65_000;

export class ProvisionerPropsError extends Error {
  override readonly name = 'ProvisionerPropsError';
}

export function validateProvisionerProps(s: ResolvedProvisionerSettings): void {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const intBetween = (name: string, value: number, min: number, max: number) =>
    check(Number.isInteger(value) && value >= min && value <= max, `${name} must be a whole number from ${min} to ${max}, got ${value}`);
  const seconds = (name: string, value: { toSeconds(): number }, min: number, max: number) => {
    let n = Number.NaN;
    try {
      n = value.toSeconds();
    } catch {
      // fractional seconds: reported below
    }
    check(Number.isInteger(n) && n >= min && n <= max, `${name} must be whole seconds from ${min} to ${max}`);
  };

  seconds('functionTimeout', s.functionTimeout, 1, 900);
  intBetween('memorySize', s.memorySize, 128, 10_240);
  intBetween('maxReceiveCount', s.maxReceiveCount, 1, 1000);
  seconds('maxBatchingWindow', s.maxBatchingWindow, 0, 300);
  // Lambda allows batches above 10 only with a batching window.
  intBetween('batchSize', s.batchSize, 1, s.maxBatchingWindow.toSeconds({ integral: false }) >= 1 ? 10_000 : 10);
  intBetween('maxConcurrency', s.maxConcurrency, 2, 1000);
  intBetween('recordConcurrency', s.recordConcurrency, 1, 100);
  intBetween('maxAttemptsPerDelivery', s.maxAttemptsPerDelivery, 1, 20);
  seconds('secretsCacheTtl', s.secretsCacheTtl, 1, 86_400);
  const archiveDays = s.eventArchiveRetention.toDays({ integral: false });
  check(Number.isInteger(archiveDays) && archiveDays >= 1, 'eventArchiveRetention must be whole days, at least 1');
  seconds('oldestMessageAgeAlarmThreshold', s.oldestMessageAgeAlarmThreshold, 60, 14 * 86_400);

  const requestMs = s.fivetranRequestTimeout.toMilliseconds();
  const createMs = s.fivetranCreateTimeout.toMilliseconds();
  const marginMs = s.safetyMargin.toMilliseconds();
  check(Number.isInteger(requestMs) && requestMs >= 1000, 'fivetranRequestTimeout must be at least 1 second');
  // Fivetran answers a create within 60 s (a 500 when its setup tests took longer); giving up sooner posts again blindly.
  check(Number.isInteger(createMs) && createMs >= MIN_CREATE_TIMEOUT_MS, 'fivetranCreateTimeout must be at least 65 seconds');
  check(Number.isInteger(marginMs) && marginMs >= 1000, 'safetyMargin must be at least 1 second');
  // A lookup, a create Fivetran answers late and the margin to publish must fit in an invocation.
  check(
    requestMs + createMs + marginMs <= s.functionTimeout.toMilliseconds(),
    'functionTimeout must be at least fivetranRequestTimeout + fivetranCreateTimeout + safetyMargin',
  );

  check(isHttpsUrl(s.fivetranApiUrl), `fivetranApiUrl must be an absolute https:// URL of the API host only, such as https://api.fivetran.com, got "${s.fivetranApiUrl}"`);
  if (!Token.isUnresolved(s.credentialsSecretPrefix)) {
    check(
      SECRET_PREFIX.test(s.credentialsSecretPrefix),
      `credentialsSecretPrefix must be a Secrets Manager name prefix ending in "/", such as fivetran/gitlab/, got "${s.credentialsSecretPrefix}"`,
    );
  }
  check(s.credentialsScope === 'group' || s.credentialsScope === 'prefix', `credentialsScope must be "group" or "prefix", got "${s.credentialsScope}"`);
  check(EVENT_SOURCE.test(s.eventSource), `eventSource must be 1 to 256 of A-Za-z0-9._/- and not start with "aws.", got "${s.eventSource}"`);

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
  if (s.alarmEmail !== undefined) check(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.alarmEmail), `alarmEmail is not an e-mail address: "${s.alarmEmail}"`);

  checkSchedules(s, check);

  if (problems.length > 0) throw new ProvisionerPropsError(`Invalid ProvisionerStack properties: ${problems.join('; ')}`);
}

function checkSchedules(s: ResolvedProvisionerSettings, check: (ok: boolean, problem: string) => void): void {
  const names = new Set<string>();
  s.backfills.forEach((backfill, index) => {
    const where = `backfills[${index}]`;
    check(BACKFILL_NAME.test(backfill.name), `${where}.name must be 1 to 64 of A-Za-z0-9_-, got "${backfill.name}"`);
    check(!names.has(backfill.name), `${where}.name "${backfill.name}" is used by another backfill`);
    names.add(backfill.name);
    check(SCHEDULE_EXPRESSION.test(backfill.schedule), `${where}.schedule must be cron(...) with six fields or rate(n unit), got "${backfill.schedule}"`);
    if (backfill.timeZone !== undefined) check(isTimeZone(backfill.timeZone), `${where}.timeZone must be an IANA time zone such as Europe/Berlin, got "${backfill.timeZone}"`);
    check(MANIFEST_KEY.test(backfill.manifest.key), `${where}.manifest.key must be 1 to 1024 characters without *, ? or $, got "${backfill.manifest.key}"`);
    if (backfill.manifest.bucketName !== undefined) {
      check(BUCKET_NAME.test(backfill.manifest.bucketName), `${where}.manifest.bucketName is not an S3 bucket name: "${backfill.manifest.bucketName}"`);
    }
    check(backfill.mode === undefined || backfill.mode === 'missing' || backfill.mode === 'all', `${where}.mode must be "missing" or "all"`);
  });
  if (s.manifestBucketName !== undefined) check(BUCKET_NAME.test(s.manifestBucketName), `manifestBucketName is not an S3 bucket name: "${s.manifestBucketName}"`);
  const redrive = s.redriveSchedule;
  if (redrive !== undefined) {
    check(SCHEDULE_EXPRESSION.test(redrive.schedule), `redriveSchedule.schedule must be cron(...) with six fields or rate(n unit), got "${redrive.schedule}"`);
    if (redrive.timeZone !== undefined) check(isTimeZone(redrive.timeZone), `redriveSchedule.timeZone must be an IANA time zone, got "${redrive.timeZone}"`);
    const rate = redrive.maxMessagesPerSecond;
    if (rate !== undefined) {
      check(Number.isInteger(rate) && rate >= 1 && rate <= MAX_MOVE_RATE, `redriveSchedule.maxMessagesPerSecond must be a whole number from 1 to ${MAX_MOVE_RATE}, got ${rate}`);
    }
  }
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
    return url.protocol === 'https:' && url.pathname.replace(/\/+$/, '') === '' && !url.search && !url.hash && !url.username && !url.password;
  } catch {
    return false;
  }
}
