import type { FivetranAnswer, SetupTest } from '../../shared/contracts/events';
import type { FivetranConnection } from '../../shared/fivetran/schemas';
import { cut, type Redactor } from '../../shared/runtime/redact';

/**
 * The longest texts an event carries, provisioning and lifecycle alike. Each
 * is redacted first and cut second, so a cut never leaves a piece of a secret
 * that redaction would have found; together they keep an event far below
 * EventBridge's 256 KiB.
 */
export const MAX_MESSAGE_LENGTH = 1_000;
export const MAX_FIVETRAN_TEXT_LENGTH = 500;
export const MAX_NAME_LENGTH = 256;
const MAX_SETUP_TESTS = 50;

/** An identifier as events carry it: it loses a secret only whole (see Redactor.name), since subscribers route on it. */
export function eventName(value: string, redactor: Redactor): string {
  return cut(redactor.name(value), MAX_NAME_LENGTH);
}

/** Fivetran's setup tests as an event carries them: messages quote what Fivetran was given, so each passes the redactor. */
export function setupTestsOf(tests: FivetranConnection['setup_tests'], redactor: Redactor): SetupTest[] {
  return (tests ?? []).slice(0, MAX_SETUP_TESTS).map(({ title, status, message }) => ({
    title: redactor.text(title, MAX_NAME_LENGTH),
    status,
    ...(message === undefined || message === null ? {} : { message: redactor.text(message, MAX_FIVETRAN_TEXT_LENGTH) }),
  }));
}

/** What Fivetran answered, as a failure event carries it (the `fivetran` field, or nothing). */
export function fivetranAnswerOf(fivetran: FivetranAnswer | undefined, redactor: Redactor): { fivetran?: FivetranAnswer } {
  if (fivetran === undefined) return {};
  return {
    fivetran: {
      status: fivetran.status,
      ...(fivetran.code === undefined ? {} : { code: redactor.text(fivetran.code, MAX_NAME_LENGTH) }),
      ...(fivetran.message === undefined ? {} : { message: redactor.text(fivetran.message, MAX_FIVETRAN_TEXT_LENGTH) }),
    },
  };
}
