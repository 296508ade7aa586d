/**
 * Typed errors of the sandbox: the Fivetran-style API errors it answers with, and the
 * programming errors of whoever configures it.
 *
 * Every answer below carries its evidence, or says that it is a guess. Sources, cited by key:
 *
 * - [codes] Fivetran, "API Response Codes", https://fivetran.com/docs/rest-api/getting-started/api-response-codes:
 *   "Most responses also include a JSON body with a code field and a message field", with the example
 *   `{"code": "NotFound_Connector", "message": "Connector with id 'abc123' does not exist."}`; statuses 400 ("malformed,
 *   missing required fields, or contains invalid values"), 401, 403 ("does not have permission"), 404 ("The code field
 *   identifies which resource type was not found"), 405, 406, 409 ("conflicts with the current state of the resource"),
 *   415, 429, 500.
 * - [limits] Fivetran, "Rate Limiting", https://fivetran.com/docs/rest-api/rate-limiting (also
 *   https://beta.fivetran.com/docs/rest-api/getting-started/rate-limiting): "HTTP 429 Too Many Requests /
 *   Retry-After=3600 / { "code": "TooManyRequests", ... }"; "X-Rate-Limit specifies the overall HTTP requests limit.
 *   X-Rate-Limit-Remaining specifies the number of remaining requests for the current one-hour rolling time period."
 * - [tf-80] fivetran/terraform-provider-fivetran issue #80: "status code: 429; expected: 201; code: TooManyRequests;
 *   message: No more than 20 connectors can be created in one-minute  time period".
 * - [forbidden] astronomer/airflow-provider-fivetran-async issue #60: `{"code":"Forbidden","message":"Access denied.
 *   Required permission: ACCOUNT_READ"}`, Status Code: 403.
 * - [tf-254] fivetran/terraform-provider-fivetran issue #254: "status code: 404; expected: 200; code: NotFound;
 *   message: HTTP 404 Not Found" (a route the API does not serve).
 * - [tf-group] fivetran/terraform-provider-fivetran, fivetran/tests/e2e/resource_group_e2e_test.go: a deleted group's
 *   details answer "status code: 404" with `response.Code == "NotFound_Group"`.
 * - [tf-connection] fivetran/terraform-provider-fivetran, fivetran/framework/resources/connection_v2.go: a missing
 *   connection is `response.Code == "NotFound_Connector" || response.Code == "NotFound_Connection"`.
 * - [tf-163] fivetran/terraform-provider-fivetran issue #163: "status code: 400; expected: 201; code: InvalidInput;
 *   message: Field 'schema' is required".
 * - [timeout] Fivetran, "Error: Code 500 Error When Pausing a Connection",
 *   https://fivetran.com/docs/developer-resources/rest-api/troubleshooting/pause-connector-500-error: the request
 *   "takes about 60 seconds and returns ... status code 500", "even though the pause operation completes successfully",
 *   because it may "exceed the REST API's 60-second timeout".
 * - [card] Fivetran, "Connect Cards", https://fivetran.com/docs/rest-api/getting-started/connect-card:
 *   `POST /v1/connections/{connection_id}/connect-card` answers `{"code": "Success", "message": "Connection Connect Card
 *   has been created", "data": {"connector_id": ..., "connect_card": {"token", "uri"}, "connect_card_config": ...}}`;
 *   "The Connect Card URI is valid for one day".
 * - [setup-limits] Fivetran, "Rate Limiting", https://www.fivetran.com/docs/rest-api/rate-limiting: "Setup test requests
 *   per minute | - | 250 max per minute", "Setup test requests per hour | 50 max per hour | 2,500 max per hour" (trial |
 *   paid), counting "Create a connector with run_setup_tests: true", "Modify a connector with run_setup_tests: true" and
 *   "Run connector setup tests".
 * - [openapi] Fivetran's OpenAPI definition (../shared/fivetran/openapi.json beside the repository):
 *   `PATCH /v1/connections/{connectionId}` answers 200 "Connection has been updated", `POST .../test` answers 200
 *   "Setup tests have been completed" and 400 "when the request body is omitted entirely (as opposed to an empty object,
 *   which is accepted)"; `trust_certificates`/`trust_fingerprints` on a PATCH "must be combined with
 *   `run_setup_tests=true` and at least one persistent configuration parameter".
 * - [schema-permanent] Fivetran's connector pages (e.g. https://fivetran.com/docs/connectors/applications/cursor/api-configuration):
 *   "Schema name is permanent and cannot be changed after connection creation". What a PATCH naming another schema
 *   is answered was not found: the sandbox's 400 InvalidInput is a guess.
 */

/**
 * An error the sandbox answers as Fivetran does: HTTP status plus `{code, message}` ([codes]).
 */
export class FivetranApiError extends Error {
  override name = 'FivetranApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Error codes per situation, in one place so that better evidence is a one-line change. */
export const FIVETRAN_ERROR_CODES = {
  /** Recorded [tf-163]; documented [codes]. */
  invalidInput: 'InvalidInput',
  /** Guess: Fivetran documents 401 [codes] but no recording of its code was found. */
  authFailed: 'AuthFailed',
  /** Recorded [forbidden]. */
  forbidden: 'Forbidden',
  /** Recorded for a route the API does not serve [tf-254]. */
  notFound: 'NotFound',
  /** Recorded [tf-group]. */
  groupNotFound: 'NotFound_Group',
  /**
   * Recorded under both names [tf-connection]; the docs' example still says NotFound_Connector [codes]. Which one
   * Fivetran answers today is a guess: the sandbox uses the new name, the worker accepts both.
   */
  connectionNotFound: 'NotFound_Connection',
  /** Guess: Fivetran documents 405 [codes] but not its code. */
  methodNotAllowed: 'MethodNotAllowed',
  /** Guess: Fivetran documents 409 for conflicts [codes] but not its code. */
  conflict: 'Conflict',
  /** Guess: Fivetran documents 415 [codes] but not its code. */
  unsupportedMediaType: 'UnsupportedMediaType',
  /** Guess: not documented at all; the sandbox's own cap on request bodies. */
  payloadTooLarge: 'PayloadTooLarge',
  /** Recorded [tf-80]; documented [limits]. */
  tooManyRequests: 'TooManyRequests',
  /** Guess, as is every 5xx code below: Fivetran documents 500 [codes], never its body. */
  internalError: 'InternalServerError',
  badGateway: 'BadGateway',
  serviceUnavailable: 'ServiceUnavailable',
  gatewayTimeout: 'GatewayTimeout',
} as const;

/**
 * Messages per situation. Fivetran's recorded messages are terse: they name a field, not the rule.
 */
export const FIVETRAN_ERROR_MESSAGES = {
  /** Recorded [tf-163]: a create without `config.schema`. */
  schemaRequired: "Field 'schema' is required",
  /** Quoted from observed answers in the work item this sandbox follows; no public recording was found. */
  invalidConfig: "Invalid 'config' object",
  /** Guess, in the same terse style, for any other field of the create body the definition refuses. */
  invalidField: (field: string) => `Invalid '${field}' value`,
  /** Guess: a body that is not JSON. */
  notJson: 'Request body is not valid JSON',
  /** Recorded [tf-254]. */
  routeNotFound: 'HTTP 404 Not Found',
  /** Shape recorded [forbidden]; which permission a create or listing needs is a guess. */
  forbidden: (permission: string) => `Access denied. Required permission: ${permission}`,
  /** Wording follows the docs' example for a connector [codes]; for a group it is a guess. */
  groupNotFound: (groupId: string) => `Group with id '${groupId}' does not exist.`,
  /** Follows the docs' example [codes], with the new name. */
  connectionNotFound: (id: string) => `Connection with id '${id}' does not exist.`,
  /** Guess, in the terse style [tf-163]: the rule is documented [schema-permanent], the answer is not. */
  schemaPermanent: "Field 'schema' cannot be changed",
  /** Guess: an update's config key that GitLab's config (gitlab_config_V1) does not declare. */
  unknownConfigField: (key: string) => `Field '${key}' is not a config field of this service`,
  /** Rule documented [openapi]; the message is a guess. */
  trustNeedsSetupTests: "Fields 'trust_certificates' and 'trust_fingerprints' require 'run_setup_tests' and a setting to change",
  /** Status documented [openapi]; the message is a guess. */
  bodyRequired: 'Request body is required',
  /** Limits documented [setup-limits]; the wording follows the recorded creation limit [tf-80] and is a guess. */
  tooManySetupTests: (limit: number, window: string) => `No more than ${limit} setup tests can be run in one-${window} time period`,
  /** Guess: Fivetran refuses a second connection with a schema in a group, but no answer to it was found. */
  schemaTaken: (schema: string) => `Schema '${schema}' already exists in the destination`,
  /** Shape recorded for creations [tf-80]; for every request it is a guess. */
  tooManyRequests: (limit: number, window: string) => `No more than ${limit} requests can be made in one-${window} time period`,
  /** Guess: the body of a 500 was never recorded [timeout]. */
  internalError: 'Internal server error',
} as const;

/**
 * Fivetran names one field, tersely ([tf-163]): the contract's first complaint, in that style.
 * `errors` are the contract's lines, such as "/config/auth must be equal to one of the allowed values".
 */
export function terseMessage(errors: readonly string[]): string {
  const first = errors[0] ?? '/';
  const [where = '/', ...rest] = first.split(' ');
  const field = where.split('/').filter(Boolean)[0];
  if (field === 'config') return FIVETRAN_ERROR_MESSAGES.invalidConfig;
  const required = /must have required property '([^']+)'/.exec(rest.join(' '))?.[1];
  if (field === undefined && required !== undefined) return `Field '${required}' is required`;
  return FIVETRAN_ERROR_MESSAGES.invalidField(field ?? 'body');
}

/** The code a sandbox answer with this HTTP status carries when nothing more specific applies. */
export function defaultErrorCode(status: number): string {
  switch (status) {
    case 400:
      return FIVETRAN_ERROR_CODES.invalidInput;
    case 401:
      return FIVETRAN_ERROR_CODES.authFailed;
    case 403:
      return FIVETRAN_ERROR_CODES.forbidden;
    case 404:
      return FIVETRAN_ERROR_CODES.notFound;
    case 405:
      return FIVETRAN_ERROR_CODES.methodNotAllowed;
    case 409:
      return FIVETRAN_ERROR_CODES.conflict;
    case 413:
      return FIVETRAN_ERROR_CODES.payloadTooLarge;
    case 415:
      return FIVETRAN_ERROR_CODES.unsupportedMediaType;
    case 429:
      return FIVETRAN_ERROR_CODES.tooManyRequests;
    case 502:
      return FIVETRAN_ERROR_CODES.badGateway;
    case 503:
      return FIVETRAN_ERROR_CODES.serviceUnavailable;
    case 504:
      return FIVETRAN_ERROR_CODES.gatewayTimeout;
    default:
      return FIVETRAN_ERROR_CODES.internalError;
  }
}

/** The sandbox was configured with something it cannot honour (bad option, bad fault rule). */
export class SandboxConfigError extends Error {
  override name = 'SandboxConfigError';
}
