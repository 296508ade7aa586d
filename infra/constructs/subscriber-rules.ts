import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/** A rule a subscriber adds on the provisioner's bus, as the stack property declares it. */
export interface SubscriberRule {
  /** Construct id of the rule: a letter, then letters and digits (at most 64); unique among the rules. */
  readonly id: string;
  readonly description?: string | undefined;
  /**
   * What to match besides the source, which is always the provisioner's (`eventSource`): for example
   * `{ detailType: ['Connection Provisioning Failed'], detail: { errorCode: ['SCHEMA_TAKEN'] } }`.
   * @default - every event of the provisioner
   */
  readonly eventPattern?: Omit<events.EventPattern, 'source'> | undefined;
  /** Where matched events go: 1 to 5 targets (EventBridge's limit per rule). */
  readonly targets: readonly events.IRuleTarget[];
}

/** Accounts outside this one that may keep rules of their own on the bus. */
export interface SubscriberAccess {
  /** 12-digit account ids. */
  readonly accounts?: readonly string[] | undefined;
  /** An AWS Organizations id (`o-...`): every account of the organization. */
  readonly organizationId?: string | undefined;
}

export interface SubscriberRulesProps {
  readonly eventBus: events.IEventBus;
  readonly eventSource: string;
  readonly rules: readonly SubscriberRule[];
  readonly access?: SubscriberAccess | undefined;
}

/** IAM's policy variable for the calling account, resolved by IAM when the policy is evaluated. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
export const PRINCIPAL_ACCOUNT = '${aws:PrincipalAccount}';

/** Actions on a rule once it exists; EventBridge's `events:creatorAccount` keeps each account to its own rules. */
export const SUBSCRIBER_RULE_ACTIONS = [
  'events:PutTargets',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:DescribeRule',
  'events:DisableRule',
  'events:EnableRule',
  'events:ListTargetsByRule',
] as const;

/**
 * Subscribers' rules on the provisioner's bus: the stack's own (each matching
 * the provisioner's `source` and whatever else it names), and, for accounts
 * outside this one, a bus policy that lets them put rules of their own. Their
 * rules may match the provisioner's source only (`events:source` on PutRule),
 * and each account may change only the rules it created (`events:creatorAccount`),
 * as in EventBridge's documented example policy. A cross-account rule's target
 * is the subscriber's business: to receive the events in its own account, it
 * targets its own bus (with a role), and its bus policy admits this one.
 */
export class SubscriberRules extends Construct {
  readonly rules: events.Rule[];
  readonly policies: events.CfnEventBusPolicy[] = [];

  constructor(scope: Construct, id: string, props: SubscriberRulesProps) {
    super(scope, id);

    this.rules = props.rules.map(
      (rule) =>
        new events.Rule(this, rule.id, {
          eventBus: props.eventBus,
          description: rule.description ?? `Subscriber rule ${rule.id} on the events of ${props.eventSource}`,
          eventPattern: { ...rule.eventPattern, source: [props.eventSource] },
          targets: [...rule.targets],
        }),
    );

    const principals = principalsOf(props.access, Stack.of(this).partition);
    if (principals === undefined) return;
    const stack = Stack.of(this);
    const rulesOnBus = stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${props.eventBus.eventBusName}/*` });
    const creatorOnly = { StringEqualsIfExists: { 'events:creatorAccount': PRINCIPAL_ACCOUNT } };
    const statement = (sid: string, actions: readonly string[], conditions: Record<string, Record<string, unknown>>) =>
      new events.CfnEventBusPolicy(this, sid, {
        eventBusName: props.eventBus.eventBusName,
        statementId: `${stack.stackName}-${sid}`.slice(0, 64),
        statement: {
          Sid: sid,
          Effect: 'Allow',
          Principal: principals.principal,
          Action: [...actions],
          Resource: rulesOnBus,
          Condition: mergeConditions(conditions, principals.conditions),
        },
      });
    this.policies.push(
      statement('SubscriberPutRule', ['events:PutRule'], {
        StringEquals: { 'events:source': [props.eventSource] },
        ...creatorOnly,
      }),
      statement('SubscriberManageOwnRules', SUBSCRIBER_RULE_ACTIONS, creatorOnly),
    );
  }
}

/** Who the policy admits: the listed accounts, or every principal of the organization. */
function principalsOf(
  access: SubscriberAccess | undefined,
  partition: string,
): { principal: unknown; conditions: Record<string, Record<string, unknown>> } | undefined {
  if (access?.organizationId !== undefined) {
    return { principal: '*', conditions: { StringEquals: { 'aws:PrincipalOrgID': access.organizationId } } };
  }
  const accounts = access?.accounts ?? [];
  if (accounts.length === 0) return undefined;
  return { principal: { AWS: accounts.map((account) => `arn:${partition}:iam::${account}:root`) }, conditions: {} };
}

type Conditions = Record<string, Record<string, unknown>>;

function mergeConditions(a: Conditions, b: Conditions): Conditions {
  const merged: Conditions = { ...a };
  for (const [operator, keys] of Object.entries(b)) merged[operator] = { ...merged[operator], ...keys };
  return merged;
}
