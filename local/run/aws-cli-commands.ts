/**
 * AWS CLI command lines for a running local queue and Secrets Manager, ready
 * to paste into another terminal. They call the local servers unsigned
 * (`--no-sign-request`), so they need no credentials and send none.
 */

export interface LocalQueueAddress {
  /** The SQS server, e.g. http://127.0.0.1:4566 */
  endpoint: string;
  region: string;
  queueUrl: string;
  dlqUrl: string | undefined;
}

export interface AwsCliCommands {
  /** Puts the request file on the queue. */
  sendMessage: string;
  /** Shows the dead letters without taking them (visibility timeout 0), when the queue has a dead-letter queue. */
  receiveDeadLetters: string | undefined;
}

export function awsCliCommands(queue: LocalQueueAddress, requestFile: string): AwsCliCommands {
  const common = ['--no-sign-request', '--region', queue.region, '--endpoint-url', queue.endpoint];
  return {
    sendMessage: commandLine([
      'aws',
      'sqs',
      'send-message',
      ...common,
      '--queue-url',
      queue.queueUrl,
      '--message-body',
      `file://${requestFile}`,
    ]),
    receiveDeadLetters:
      queue.dlqUrl === undefined
        ? undefined
        : commandLine([
            'aws',
            'sqs',
            'receive-message',
            ...common,
            '--queue-url',
            queue.dlqUrl,
            '--max-number-of-messages',
            '10',
            '--visibility-timeout',
            '0',
          ]),
  };
}

/** Puts the file's JSON as the secret's new AWSCURRENT version: a rotation, which the run's fan-out takes to every connection using it. */
export function putSecretValueCommand(secretsManager: { endpoint: string; region: string }, secretName: string, valueFile: string): string {
  return commandLine([
    'aws',
    'secretsmanager',
    'put-secret-value',
    '--no-sign-request',
    '--region',
    secretsManager.region,
    '--endpoint-url',
    secretsManager.endpoint,
    '--secret-id',
    secretName,
    '--secret-string',
    `file://${valueFile}`,
  ]);
}

/** Words joined for a POSIX shell, each quoted only when it must be. */
export function commandLine(words: readonly string[]): string {
  return words.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}
