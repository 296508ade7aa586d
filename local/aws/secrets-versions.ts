/**
 * Secrets Manager's secrets as the loopback stand-in keeps them: each secret has versions, and
 * staging labels (`AWSCURRENT`, `AWSPREVIOUS`, or custom ones) each attached to at most one version.
 * `PutSecretValue` moves AWSCURRENT to the new version and AWSPREVIOUS to the one it left, as the
 * Secrets Manager API reference describes ("If this operation moves the staging label AWSCURRENT from
 * another version to this version, then Secrets Manager also automatically moves the staging label
 * AWSPREVIOUS to the version that AWSCURRENT was removed from"); whenever AWSCURRENT moves, a
 * `Secret Label Updated` event goes to the registered listeners.
 *
 * Secret values never appear in an error or an event: errors name the secret and the version only.
 */
import { randomUUID } from 'node:crypto';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** The event Secrets Manager sends to EventBridge when a staging label moves, as the stand-in emits it. */
export interface SecretLabelUpdatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Secret Label Updated';
  source: 'aws.secretsmanager';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { name: string; labelUpdated: typeof AWSCURRENT; versionId: string };
}

export type SecretLabelListener = (event: SecretLabelUpdatedEvent) => unknown;

/** An AWS error as the JSON protocol answers it: `__type` and a message, HTTP 400. */
export class SecretsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface SecretVersion {
  versionId: string;
  value: string;
  createdDate: number;
  stages: Set<string>;
}

interface StoredSecret {
  name: string;
  arn: string;
  createdDate: number;
  lastChangedDate: number;
  versions: Map<string, SecretVersion>;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** Error types of the Secrets Manager API reference. */
const NOT_FOUND = 'ResourceNotFoundException';
const EXISTS = 'ResourceExistsException';
const INVALID_PARAMETER = 'InvalidParameterException';

export class SecretVault {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly listeners = new Set<SecretLabelListener>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Registers a listener of `Secret Label Updated`; the returned function removes it. */
  onSecretLabelUpdated(listener: SecretLabelListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A test's shortcut: creates the secret, or puts `value` as its new AWSCURRENT version; undefined deletes it. */
  set(name: string, value: string | undefined): void {
    if (value === undefined) {
      this.secrets.delete(name);
      return;
    }
    const secret = this.secrets.get(name);
    if (secret === undefined) this.create({ Name: name, SecretString: value });
    else if (this.current(secret)?.value !== value) this.putValue({ SecretId: name, SecretString: value });
  }

  create(input: Input): Output {
    const name = requiredString(input, 'Name');
    if (this.secrets.has(name)) throw new SecretsError(EXISTS, `The operation failed because the secret ${name} already exists.`);
    const now = Date.now() / 1000;
    const secret: StoredSecret = { name, arn: this.arnOf(name), createdDate: now, lastChangedDate: now, versions: new Map() };
    this.secrets.set(name, secret);
    if (typeof input.SecretString !== 'string') return { ARN: secret.arn, Name: name };
    const versionId = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    secret.versions.set(versionId, { versionId, value: input.SecretString, createdDate: now, stages: new Set([AWSCURRENT]) });
    this.emit(secret, versionId);
    return { ARN: secret.arn, Name: name, VersionId: versionId };
  }

  getValue(input: Input): Output {
    const secret = this.find(input);
    const version = this.selectVersion(secret, optionalString(input, 'VersionId'), optionalString(input, 'VersionStage'));
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
      SecretString: version.value,
      CreatedDate: version.createdDate,
    };
  }

  putValue(input: Input): Output {
    const secret = this.find(input);
    const value = input.SecretString;
    if (typeof value !== 'string')
      throw new SecretsError(INVALID_PARAMETER, 'You must provide SecretString (the stand-in keeps no SecretBinary).');
    const versionId = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    const existing = secret.versions.get(versionId);
    if (existing !== undefined) {
      // "If a version with this value already exists and the version's SecretString ... values are the same ... the
      // request is ignored"; different values fail "because you can't modify a secret version" (PutSecretValue reference).
      if (existing.value !== value) {
        throw new SecretsError(
          EXISTS,
          `You can't modify an existing version ${versionId} of secret ${secret.name}; put a new version instead.`,
        );
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
    }
    const stages = stringList(input.VersionStages) ?? [AWSCURRENT];
    const now = Date.now() / 1000;
    const version: SecretVersion = { versionId, value, createdDate: now, stages: new Set() };
    secret.versions.set(versionId, version);
    secret.lastChangedDate = now;
    for (const stage of stages) this.moveStage(secret, stage, version);
    if (stages.includes(AWSCURRENT)) this.emit(secret, versionId);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }

  describe(input: Input): Output {
    const secret = this.find(input);
    const versionIdsToStages: Record<string, string[]> = {};
    // Versions without a label are deprecated and not listed (DescribeSecret reference: VersionIdsToStages).
    for (const version of secret.versions.values())
      if (version.stages.size > 0) versionIdsToStages[version.versionId] = [...version.stages];
    return {
      ARN: secret.arn,
      Name: secret.name,
      CreatedDate: secret.createdDate,
      LastChangedDate: secret.lastChangedDate,
      VersionIdsToStages: versionIdsToStages,
    };
  }

  listVersionIds(input: Input): Output {
    const secret = this.find(input);
    const includeDeprecated = input.IncludeDeprecated === true;
    const versions = [...secret.versions.values()]
      .filter((version) => includeDeprecated || version.stages.size > 0)
      .map((version) => ({ VersionId: version.versionId, VersionStages: [...version.stages], CreatedDate: version.createdDate }));
    return { ARN: secret.arn, Name: secret.name, Versions: versions };
  }

  private moveStage(secret: StoredSecret, stage: string, to: SecretVersion): void {
    const from = [...secret.versions.values()].find((version) => version !== to && version.stages.has(stage));
    from?.stages.delete(stage);
    to.stages.add(stage);
    if (stage === AWSCURRENT && from !== undefined) {
      for (const version of secret.versions.values()) version.stages.delete(AWSPREVIOUS);
      from.stages.add(AWSPREVIOUS);
    }
  }

  private selectVersion(secret: StoredSecret, versionId: string | undefined, stage: string | undefined): SecretVersion {
    if (versionId !== undefined) {
      const version = secret.versions.get(versionId);
      if (version === undefined) {
        throw new SecretsError(NOT_FOUND, `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      }
      // Both given must name the same version ("the two parameters must refer to the same secret version"); the error type is a guess.
      if (stage !== undefined && !version.stages.has(stage)) {
        throw new SecretsError(
          INVALID_PARAMETER,
          `Version ${versionId} of secret ${secret.name} does not carry the staging label ${stage}`,
        );
      }
      return version;
    }
    const wanted = stage ?? AWSCURRENT;
    const version = [...secret.versions.values()].find((candidate) => candidate.stages.has(wanted));
    if (version === undefined)
      throw new SecretsError(NOT_FOUND, `Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    return version;
  }

  private current(secret: StoredSecret): SecretVersion | undefined {
    return [...secret.versions.values()].find((version) => version.stages.has(AWSCURRENT));
  }

  private find(input: Input): StoredSecret {
    const secret = this.secrets.get(secretNameOf(String(input.SecretId ?? '')));
    if (secret === undefined) throw new SecretsError(NOT_FOUND, "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private emit(secret: StoredSecret, versionId: string): void {
    const event: SecretLabelUpdatedEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Secret Label Updated',
      source: 'aws.secretsmanager',
      account: this.accountId,
      time: new Date().toISOString(),
      region: this.region,
      resources: [secret.arn],
      detail: { name: secret.name, labelUpdated: AWSCURRENT, versionId },
    };
    for (const listener of this.listeners) {
      // EventBridge delivers after the change is made: a failing listener never undoes or fails the put.
      try {
        const delivered = listener(structuredClone(event));
        if (delivered instanceof Promise) delivered.catch(() => undefined);
      } catch {
        // Swallowed for the same reason.
      }
    }
  }

  private arnOf(name: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-AbCdEf`;
  }
}

/** `arn:…:secret:NAME-AbCdEf` → NAME; a plain name stays as it is. */
export function secretNameOf(secretId: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(secretId);
  return match ? match[1]! : secretId;
}

function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw new SecretsError(INVALID_PARAMETER, `${field} must be a non-empty string`);
  return value;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new SecretsError(INVALID_PARAMETER, `${field} must be a non-empty string`);
  return value;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string') ? value : undefined;
}
