/**
 * What producers and subscribers see, as the package's `contracts` entry: the request and the event details
 * as types, the detail-types and error codes as values, and every contract as a JSON Schema object.
 * Types and constants only, besides the schemas: nothing here talks to AWS.
 */

export {
  BACKFILL_COMPLETED,
  BACKFILL_MODES,
  type BackfillCompletedDetail,
  type BackfillCounts,
  type BackfillMode,
  type FailedLine,
  type InvalidLine,
  type ManifestReference,
} from './backfill-events';
export {
  BACKFILL_ABORT_CODES,
  type BackfillAbortCode,
  type ErrorCode,
  FAILURE_CODES,
  type FailureCode,
  LIFECYCLE_FAILURE_CODES,
  LIFECYCLE_ONLY_FAILURE_CODES,
  type LifecycleFailureCode,
  NOT_ENQUEUED_CODES,
  type NotEnqueuedCode,
  REFUSAL_CODES,
  type RefusalCode,
  TRANSIENT_CODES,
  type TransientCode,
} from './error-codes';
export {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  type ConnectionProvisionedDetail,
  type ConnectionProvisioningFailedDetail,
  type FivetranAnswer,
  type SetupTest,
} from './events';
export {
  EVENT_DETAIL_TYPES,
  type EventDetailType,
  eventJsonSchemas,
  type JsonSchema,
  lifecycleRequestJsonSchema,
  requestJsonSchema,
} from './json-schemas';
export {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_UPDATED,
  type ConnectionCredentialsAppliedDetail,
  type ConnectionDecommissionedDetail,
  type ConnectionLifecycleRequestFailedDetail,
  type ConnectionPausedDetail,
  type ConnectionResumedDetail,
  type ConnectionUpdatedDetail,
  LIFECYCLE_DETAIL_TYPES,
  type LifecycleEvent,
} from './lifecycle-events';
export {
  type ConnectionChanges,
  type ConnectionTarget,
  CREDENTIALS_TRIGGERS,
  type CredentialsTrigger,
  type DecommissionRequest,
  LIFECYCLE_REQUEST_SCHEMA_VERSION,
  type LifecycleAction,
  type LifecycleRequest,
  type PauseRequest,
  REQUEST_ACTIONS,
  type ReapplyCredentialsRequest,
  type RequestAction,
  type ResumeRequest,
  reapplyRequestFor,
  type UpdateRequest,
} from './lifecycle-request';
export {
  type GitlabConnection,
  type ProvisioningRequest,
  REQUEST_SCHEMA_VERSION,
  REQUEST_SCHEMA_VERSION_ATTRIBUTE,
  type RequestContext,
} from './request';
