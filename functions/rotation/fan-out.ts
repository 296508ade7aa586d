import * as z from 'zod/mini';
import { secretVersionIdSchema } from '../../shared/contracts/lifecycle-request';
import type { Ledger } from '../../shared/ledger/ledger';
import { reapplyRequestsFor, type SendReapplyRequests } from '../../shared/producer/reapply-requests';
import type { Deadline } from '../../shared/runtime/retry';
import '../../shared/runtime/zod-setup';

/**
 * Secrets Manager's `Secret Label Updated` event, as EventBridge delivers it
 * from the account's default bus: `detail.name` is the secret's friendly
 * name, `labelUpdated` the staging label that moved, `versionId` the version
 * it moved to. Other envelope fields (id, time, resources, …) are let through.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/event-detail-secret-label-updated-secretsmanager.html
 */
export const secretLabelUpdatedSchema = z.looseObject({
  source: z.literal('aws.secretsmanager'),
  'detail-type': z.literal('Secret Label Updated'),
  detail: z.looseObject({
    name: z.string().check(z.minLength(1), z.maxLength(512)),
    labelUpdated: z.string().check(z.minLength(1), z.maxLength(256)),
    versionId: secretVersionIdSchema,
  }),
});
export type SecretLabelUpdated = z.infer<typeof secretLabelUpdatedSchema>;

export type ParsedRotationEvent = { ok: true; event: SecretLabelUpdated } | { ok: false; reason: string };

/** Reads the invocation's event; never throws (a malformed event is dropped, not retried). */
export function parseRotationEvent(event: unknown): ParsedRotationEvent {
  const parsed = secretLabelUpdatedSchema.safeParse(event);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: issue === undefined ? 'not a Secret Label Updated event' : `${issue.path.join('.') || 'event'}: ${issue.message}`,
  };
}

export type FanOutResult =
  | { status: 'ignored'; reason: 'label' | 'prefix'; secretName: string }
  | {
      status: 'enqueued';
      secretName: string;
      versionId: string;
      /** Connections the ledger lists for the secret, in any state. */
      connections: number;
      /** The requests sent, one per connection behind the version. */
      requestIds: string[];
    };

export interface FanOutDeps {
  ledger: Ledger;
  send: SendReapplyRequests;
  /** Only secrets under it are the provisioner's to act on. */
  credentialsSecretPrefix: string;
}

/**
 * One rotation: when AWSCURRENT moves to a new version of a credentials
 * secret, every active or paused connection using it that was given another
 * version gets a reapply_credentials request for that version. Throws when
 * the ledger or the queue fails, so the invocation is tried again; sending
 * again is harmless (the same request ids, which the worker's ledger dedupes).
 */
export async function fanOut(event: SecretLabelUpdated, deps: FanOutDeps, deadline: Deadline): Promise<FanOutResult> {
  const { name: secretName, labelUpdated, versionId } = event.detail;
  if (labelUpdated !== 'AWSCURRENT') return { status: 'ignored', reason: 'label', secretName };
  if (!secretName.startsWith(deps.credentialsSecretPrefix)) return { status: 'ignored', reason: 'prefix', secretName };
  const connections = await deps.ledger.connectionsUsingSecret(secretName, { deadline });
  const requests = reapplyRequestsFor(connections, versionId, 'rotation');
  await deps.send(requests, deadline);
  return { status: 'enqueued', secretName, versionId, connections: connections.length, requestIds: requests.map((r) => r.requestId) };
}
