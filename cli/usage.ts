/**
 * The CLI's help texts: the general one, and one per command (`<command> --help`).
 * Kept apart from the commands so that help never loads a command's modules.
 */

/** How a command line starts from the repository; never fetches anything from the registry. */
export const PROGRAM = 'npm run cli --';

export const USAGE = `Usage: ${PROGRAM} <command> [options]      (from the repository; npm start runs "start")

Commands
  start                 Run the provisioner on this machine and send the examples.
  enqueue <file|->      Check every request, name each invalid one, send the valid ones.
  validate <file|->     Check requests against the request schema without sending them.
  events                Show the events of the local run, filtered; --follow keeps tailing.
  schema [request|events]
                        Print the JSON Schemas of the request and of the events' detail.
  redrive --dlq <url|arn>
                        Move dead-lettered requests back to their queue at a bounded rate.
  status <requestId|connectionId>
                        What the ledger knows of a request or a connection; --fivetran
                        adds what Fivetran says now.
  rotate <secretName> <file|->
                        Store new GitLab credentials as the secret's current version; the
                        rotation fan-out re-applies them to every connection using it.
  help [command]        Show this text, or a command's options.

"${PROGRAM} <command> --help" lists a command's options; --version prints the version.

Exit codes: 0 done; 1 the work fell short (an invalid or unsent request, a missed example,
a refused credentials file); 2 a command line it cannot act on; 3 a file or a service it
needs cannot be used; 4 what it names does not exist (an id the ledger does not know, a
secret Secrets Manager does not have).`;

export const START_USAGE = `Usage: npm start -- [options]      (or ${PROGRAM} start [options])

Runs the provisioner on this machine: SQS (fauxqs) with the queue and dead-letter queue
wired as deployed, the Fivetran sandbox, Secrets Manager and EventBridge stand-ins, and the
Lambda handler fed like Lambda's SQS event source mapping. Sends the examples, prints every
event and retry, then a summary; exit 1 if an example missed its expected outcome.

Options
  --watch                     Keep polling after the examples, and print the commands that
                              send to the running queue; Ctrl-C stops everything.
  --no-examples               Send nothing (implies --watch).
  --examples <dir>            Examples directory with its examples.json (default: the
                              repository's examples/).
  --groups <id,id,…>          Fivetran groups the sandbox has besides sandbox_group.
  --port <n>                  Fixed ports: SQS on n, Secrets Manager and EventBridge on n+1,
                              the Fivetran sandbox on n+2, the ledger on n+3 (default: free
                              ports, new each run).
  --fivetran-url <url>        Call this Fivetran API instead of the sandbox (https://; real
                              API key in the API key secret). Examples are then not sent.
  --queue-url <url>           Poll this existing queue instead of a local one. Endpoint,
                              region and credentials come from the usual AWS_* variables.
  --aws                       Use Secrets Manager and EventBridge as the SDK resolves them
                              (AWS, or AWS_ENDPOINT_URL_SECRETS_MANAGER / _EVENTBRIDGE)
                              instead of the local stand-ins. Setting one of those variables
                              does the same for that service alone.
  --secrets-file <path>       Secrets for the stand-in (default: local/secrets.json if it
                              exists, else local/secrets.example.json, which holds fakes).
  --visibility-timeout <s>    Of the local queue, 5 to 43200 (default 10; deployed 725).
  --max-receive-count <n>     Of the local queue (default 5, as deployed).
  --wait-time <s>             Long-polling wait of the local poller, 0 to 20 (default 2).
  --timeout <s>               Longest wait for the examples to settle (default 45).
  --run-dir <dir>             Where events.jsonl, handler.log and stack.json go (default: the
                              repository's .local-run/). One run at a time per directory.

The worker's own variables (FIVETRAN_API_SECRET_ID, CREDENTIALS_SECRET_PREFIX, EVENT_BUS_NAME,
MAX_ATTEMPTS_PER_DELIVERY, ...) apply as they do to the Lambda.`;

export const ENQUEUE_USAGE = `Usage: ${PROGRAM} enqueue <file|-> [options]

Checks every request first and names each invalid one with its line, then sends the valid
ones with SendMessageBatch. Exit 1 if any request was not sent.

<file> is JSON Lines (one request a line), or a .json file holding one request or an array
of them; - reads JSON Lines from stdin.

Options
  --queue-url <url>           The queue (default: $PROVISIONING_QUEUE_URL, else the queue of a
                              "start --watch" running with the run directory below). A
                              http:// URL of a local SQS server is called at its own address.
  --run-dir <dir>             Where to look for that running start (default: .local-run/).

Region and credentials come from the usual AWS variables; with none set, the region is taken
from the queue URL.`;

export const VALIDATE_USAGE = `Usage: ${PROGRAM} validate <file|->

Checks requests against the request schema, with the worker's own parser, without sending
them. Exit 1 if any is invalid. <file> as for enqueue.`;

export const SCHEMA_USAGE = `Usage: ${PROGRAM} schema [request|events]

Prints the JSON Schemas of the request, of the events' detail, or both (with the request
schema version).`;

export const EVENTS_USAGE = `Usage: ${PROGRAM} events [options]

Prints the events of the local run (events.jsonl: one EventBridge event a line), one line
each, or as JSON. Filters combine: an event is shown when it matches every one given.

Options
  --follow, -f                Keep printing events as the run publishes them, until Ctrl-C.
  --detail-type <type>        "Connection Provisioned" or "Connection Provisioning Failed".
  --request-id <id>           The request's requestId.
  --outcome <outcome>         created or already_exists.
  --error-code <code>         A failure's errorCode, such as GROUP_NOT_FOUND.
  --json                      Print each event as it is in the file (for jq).
  --run-dir <dir>             The run's directory (default: .local-run/).`;

export const STATUS_USAGE = `Usage: ${PROGRAM} status <requestId|connectionId> [options]

Prints what the ledger knows. For a request id: its entry (action, status, outcome or error
code, the connection) and that connection's. For a connection id: its entry (group, schema,
auth kind, credentials secret, the secret version applied, state, the request that created it).

Options
  --fivetran                  Also ask Fivetran (GET /v1/connections/{id}) for the connection's
                              setup state, paused flag, sync state and setup tests. Config values
                              are never printed. The API key is read from the secret named by
                              FIVETRAN_API_SECRET_ID; the API is FIVETRAN_API_URL (default
                              https://api.fivetran.com).
  --json                      Print one JSON object: id, request, connection (null when unknown),
                              and fivetran with --fivetran.
  --timeout <s>               Longest the command waits for all its calls (default 30).
  --run-dir <dir>             Where to look for a running "start --watch" (default .local-run/).

The ledger is the table named by LEDGER_TABLE_NAME (the stack output LedgerTableName), on
DynamoDB as the SDK resolves it (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_DYNAMODB); unset,
the ledger of the running "start --watch". With no region (AWS_REGION, AWS_DEFAULT_REGION or
the profile's) it stops before any call, exit 2.

Examples
  ${PROGRAM} status team-a-gitlab
  ${PROGRAM} status mellow_meadow --fivetran
  LEDGER_TABLE_NAME=<LedgerTableName output> ${PROGRAM} status rotate:mellow_meadow:<versionId> --json

Exit 0 found; 2 a command line it cannot act on; 3 the ledger, Secrets Manager or Fivetran
cannot be used; 4 the ledger knows no such request or connection, or (with --fivetran)
Fivetran has no such connection.`;

export const ROTATE_USAGE = `Usage: ${PROGRAM} rotate <secretName> <file|-> [options]

Stores the credentials in <file> (- reads stdin) as the new current version (AWSCURRENT) of a
GitLab credentials secret, with PutSecretValue. Secrets Manager then sends "Secret Label
Updated", and the rotation fan-out re-applies the version to every connection that uses the
secret (status <connectionId> shows the version applied). The file is the whole new value,
checked first: a JSON object with the keys a credentials secret holds (personal_access_token,
client_certificate and client_private_key, access_token and refresh_token, client_id,
client_secret), or AWS's managed rotation format ({"token": ...} with keys of its own). A
file that does not fit is refused naming the field, never a value; no value is printed.

Options
  --aws                       Use Secrets Manager as the SDK resolves it (AWS_REGION, AWS_PROFILE,
                              AWS_ENDPOINT_URL_SECRETS_MANAGER) even while a local run runs; with
                              no region (AWS_REGION, AWS_DEFAULT_REGION or the profile's) it stops
                              before any call, exit 2.
  --timeout <s>               Longest the command waits for Secrets Manager (default 30).
  --run-dir <dir>             Where to look for a running "start --watch" (default .local-run/).

Without --aws or AWS_ENDPOINT_URL_SECRETS_MANAGER, a running "start --watch" gets the version
in its Secrets Manager stand-in, whose fan-out re-applies it at once; with no local run, AWS.
A name outside the credentials prefix (CREDENTIALS_SECRET_PREFIX, or the local run's) is
refused: only those secrets' connections are rotated.

Examples
  ${PROGRAM} rotate fivetran/gitlab/sandbox_group/team-pat new-token.json
  op read op://team/gitlab-pat/json | ${PROGRAM} rotate fivetran/gitlab/team_a/pat - --aws

Exit 0 stored; 1 the file is not a credentials file (nothing stored); 2 a command line it
cannot act on, a name outside the prefix among them; 3 the file or Secrets Manager cannot be
used; 4 Secrets Manager has no such secret.`;
