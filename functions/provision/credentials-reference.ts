import { ProvisioningError } from '../../shared/runtime/errors';

/** Where the function runs, read from its own ARN: references must point to the same place. */
export interface FunctionLocation {
  partition: string;
  region: string;
  accountId: string;
}

const SECRET_ARN = /^arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const LAMBDA_ARN = /^arn:([a-z-]+):lambda:([a-z0-9-]+):(\d{12}):function:/;

/** Reads partition, region and account from a Lambda function ARN, when it is one. */
export function locationFromFunctionArn(functionArn: string | undefined): FunctionLocation | undefined {
  const match = functionArn === undefined ? null : LAMBDA_ARN.exec(functionArn);
  if (!match) return undefined;
  return { partition: match[1]!, region: match[2]!, accountId: match[3]! };
}

/**
 * Which secrets a request may name. `groupId` binds credentials to their
 * Fivetran group: only secrets filed under `<prefix><groupId>/` are allowed,
 * so a request for one team's group cannot use another team's credentials.
 * Without it (a single-team deployment) any secret under the prefix is.
 */
export interface CredentialsRule {
  prefix: string;
  groupId?: string;
}

/**
 * Decides, without calling Secrets Manager, whether a request may name this
 * secret: its name must start with the configured prefix (and, bound to the
 * group, with the request's group id after it), and an ARN must be in this
 * function's own account and region. This is what keeps one team's request
 * from reading any secret the function's role could reach.
 */
export function assertCredentialsReferenceAllowed(reference: string, rule: CredentialsRule, location: FunctionLocation | undefined): void {
  const { prefix, groupId } = rule;
  const required = groupId === undefined ? prefix : `${prefix}${groupId}/`;
  // Only a well-formed secret ARN is repeated back: anything else might be a token pasted into the wrong field.
  const shown = SECRET_ARN.test(reference) ? ` ${JSON.stringify(reference)}` : '';
  const refuse: (why: string) => never = (why) => {
    throw new ProvisioningError(
      'CREDENTIALS_NOT_ALLOWED',
      `credentialsSecretId${shown} is not allowed: ${why}. Use a secret whose name starts with "${required}"`,
    );
  };
  let name = reference;
  if (reference.startsWith('arn:')) {
    const match = SECRET_ARN.exec(reference);
    if (!match) refuse('it is not a Secrets Manager secret ARN');
    const [, partition, region, accountId, secretName] = match;
    if (location === undefined) refuse('ARNs are accepted only when the function knows its own account');
    if (partition !== location.partition || region !== location.region || accountId !== location.accountId) {
      refuse(`the ARN is not in this function's account and region (${location.accountId}, ${location.region})`);
    }
    name = secretName!;
  }
  if (!name.startsWith(prefix) || name.length === prefix.length) refuse('its name is outside the allowed prefix');
  const segments = name.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    refuse('its name has an empty, "." or ".." path segment');
  }
  if (!name.startsWith(required) || name.length === required.length) {
    refuse(`it is not filed under connection.group_id ${groupId}; credentials are bound to their Fivetran group`);
  }
}
