/** The CLI's help text. */
export const USAGE = `Usage: npx fivetran-provisioner <command> [options]

Commands
  start                 Run the provisioner on this machine and send the examples:
                        SQS (fauxqs) with the queue and dead-letter queue wired as deployed,
                        the Fivetran sandbox, Secrets Manager and EventBridge stand-ins, and
                        the Lambda handler fed like Lambda's SQS event source mapping.
                        Prints every event, then a summary; exit 1 if an example missed
                        its expected outcome. (npm start runs this.)
  enqueue <file|->      Check every request, report each invalid one with its line, then send
                        the valid ones with SendMessageBatch. Exit 1 if any was not sent.
  validate <file|->     Check requests against the request schema without sending them.
  schema [request|events]
                        Print the JSON Schemas of the request and of the events' detail.
  redrive --dlq <url|arn>
                        Move dead-lettered requests back to their queue at a bounded rate
                        (StartMessageMoveTask, or receive/send/delete where SQS lacks it).
                        "redrive --help" lists its options.
  help                  Show this text.

  <file> is JSON Lines (one request a line), or a .json file holding one request or an
  array of them; - reads JSON Lines from stdin.

start options
  --watch                     Keep polling after the examples; enqueue more from another
                              terminal; Ctrl-C stops everything.
  --no-examples               Send nothing (implies watching until Ctrl-C).
  --examples <dir>            Examples directory with its examples.json (default: the
                              repository's examples/).
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
  --visibility-timeout <s>    Of the local queue (default 10; the deployed queue has 725).
  --max-receive-count <n>     Of the local queue (default 5, as deployed).
  --wait-time <s>             Long-polling wait of the local poller (default 2).
  --timeout <s>               Longest wait for the examples to settle (default 45).
  --run-dir <dir>             Where events.jsonl, handler.log and stack.json go
                              (default: the repository's .local-run/).

enqueue options
  --queue-url <url>           The queue (default: $PROVISIONING_QUEUE_URL, else the queue of
                              a "start --watch" running from this directory).
  --run-dir <dir>             Where to look for that running start (default: .local-run/).

The worker's own variables (FIVETRAN_API_SECRET_ID, CREDENTIALS_SECRET_PREFIX, EVENT_BUS_NAME,
MAX_ATTEMPTS_PER_DELIVERY, ...) apply to start as they do to the Lambda.`;
