import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { PRINCIPAL_ACCOUNT, SUBSCRIBER_RULE_ACTIONS } from '../../infra/constructs/subscriber-rules';
import { ProvisionerStack, type ProvisionerStackProps } from '../../infra/provisioner-stack';
import { ProvisionerPropsError } from '../../infra/validate-props';
import { disposeTestApps, newTestApp } from './support';

afterAll(disposeTestApps);

// The subscribers' own resources live in their stack; the provisioner's rules only point at them.
const app = newTestApp();
const theirs = new Stack(app, 'SubscriberResources');
const failuresTopic = new sns.Topic(theirs, 'Failures', { topicName: 'provisioning-failures', enforceSSL: true });
const otherAccountBus = events.EventBus.fromEventBusArn(theirs, 'OtherBus', 'arn:aws:events:eu-west-1:210987654321:event-bus/platform');
const stacks = {
  Plain: new ProvisionerStack(app, 'Plain', {}),
  WithRules: new ProvisionerStack(app, 'WithRules', {
    eventSource: 'acme.provisioner',
    subscriberRules: [
      {
        id: 'SchemaTaken',
        description: 'Tell the platform team about schemas taken by another service',
        eventPattern: { detailType: ['Connection Provisioning Failed'], detail: { errorCode: ['SCHEMA_TAKEN'] } },
        targets: [new targets.SnsTopic(failuresTopic)],
      },
      { id: 'EverythingToPlatform', targets: [new targets.EventBus(otherAccountBus)] },
    ],
  }),
  WithAccounts: new ProvisionerStack(app, 'WithAccounts', { subscriberAccess: { accounts: ['210987654321', '109876543210'] } }),
  WithOrganization: new ProvisionerStack(app, 'WithOrganization', { subscriberAccess: { organizationId: 'o-a1b2c3d4e5' } }),
};
const template = (id: keyof typeof stacks) => Template.fromStack(stacks[id]);
const busRef = (id: keyof typeof stacks) => {
  const buses = Object.keys(template(id).findResources('AWS::Events::EventBus'));
  expect(buses).toHaveLength(1);
  return { Ref: buses[0] };
};
/** The rules on the provisioner's own bus (the rotation rule is on the default bus, the drift check's on none). */
const rulesOnBus = (id: keyof typeof stacks) =>
  Object.keys(template(id).findResources('AWS::Events::Rule', { Properties: { EventBusName: busRef(id) } }));
const policies = (id: keyof typeof stacks) =>
  Object.values(template(id).findResources('AWS::Events::EventBusPolicy')).map(
    (resource) => resource.Properties as { EventBusName: unknown; Statement: Record<string, any> },
  );

describe('subscriber rules', () => {
  it("adds each declared rule on the provisioner's bus, matching the provisioner's source and what the rule names", () => {
    // given a stack with two subscriber rules, when it is synthesized
    const rules = template('WithRules');

    // then the SNS rule matches the failures it names, from the provisioner's source only
    rules.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: busRef('WithRules'),
      Description: 'Tell the platform team about schemas taken by another service',
      EventPattern: {
        source: ['acme.provisioner'],
        'detail-type': ['Connection Provisioning Failed'],
        detail: { errorCode: ['SCHEMA_TAKEN'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'SubscriberResources' }) } })],
    });
    // and the other rule forwards every event of the source to a bus of another account, with a role
    rules.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: busRef('WithRules'),
      EventPattern: { source: ['acme.provisioner'] },
      Targets: [Match.objectLike({ Arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/platform', RoleArn: Match.anyValue() })],
    });
    expect(rulesOnBus('WithRules')).toHaveLength(2);
  });

  it('adds no rule and no bus policy when none is declared', () => {
    expect(rulesOnBus('Plain')).toEqual([]);
    expect(template('Plain').findResources('AWS::Events::EventBusPolicy')).toEqual({});
    expect(template('WithRules').findResources('AWS::Events::EventBusPolicy')).toEqual({});
  });
});

describe('subscribers in other accounts', () => {
  it("lets the listed accounts put rules on the bus for the provisioner's source only, and touch only the rules they created", () => {
    // given two subscriber accounts, when the stack is synthesized
    const [putRule, manage] = policies('WithAccounts');

    // then PutRule is allowed only for rules whose pattern names the provisioner's source
    const principal = {
      AWS: ['210987654321', '109876543210'].map((account) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
      })),
    };
    expect(putRule).toMatchObject({
      EventBusName: busRef('WithAccounts'),
      Statement: {
        Effect: 'Allow',
        Action: ['events:PutRule'],
        Condition: {
          StringEquals: { 'events:source': ['fivetran.provisioner'] },
          StringEqualsIfExists: { 'events:creatorAccount': PRINCIPAL_ACCOUNT },
        },
      },
    });
    // and managing a rule's targets, or the rule, only for its creator
    expect(manage).toMatchObject({
      Statement: {
        Effect: 'Allow',
        Action: [...SUBSCRIBER_RULE_ACTIONS],
        Condition: { StringEqualsIfExists: { 'events:creatorAccount': PRINCIPAL_ACCOUNT } },
      },
    });
    for (const policy of [putRule!, manage!]) {
      expect(policy.Statement.Principal).toEqual(principal);
      // on rules of this bus only, never PutEvents (only the provisioner publishes) nor a wildcard action
      expect(JSON.stringify(policy.Statement.Resource)).toContain(':rule/');
      expect(policy.Statement.Action).not.toContain('events:PutEvents');
      expect(policy.Statement.Action.some((action: string) => action.includes('*'))).toBe(false);
    }
  });

  it('admits every principal of an organization, and only of it, under the same conditions', () => {
    const [putRule, manage] = policies('WithOrganization');
    expect(putRule!.Statement).toMatchObject({
      Principal: '*',
      Condition: {
        StringEquals: { 'events:source': ['fivetran.provisioner'], 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
        StringEqualsIfExists: { 'events:creatorAccount': PRINCIPAL_ACCOUNT },
      },
    });
    expect(manage!.Statement).toMatchObject({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
  });

  it('raises no cdk-nag finding', () => {
    for (const stack of Object.values(stacks)) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((violation) => `${stack.stackName} ${violation.ruleName}`)).toEqual([]);
    }
  });
});

describe('refused subscriber properties', () => {
  const topic = () => new targets.SnsTopic(sns.Topic.fromTopicArn(new Stack(new App(), 'T'), 'T', 'arn:aws:sns:eu-west-1:123456789012:t'));
  it.each<[string, ProvisionerStackProps, RegExp]>([
    ['a rule id that is not a construct id', { subscriberRules: [{ id: 'my rule', targets: [topic()] }] }, /subscriberRules\[0\]\.id/],
    [
      'two rules with one id',
      {
        subscriberRules: [
          { id: 'Same', targets: [topic()] },
          { id: 'Same', targets: [topic()] },
        ],
      },
      /subscriberRules\[1\]\.id "Same" is used/,
    ],
    ['a rule without a target', { subscriberRules: [{ id: 'NoTarget', targets: [] }] }, /subscriberRules\[0\]\.targets must hold 1 to 5/],
    ['six targets', { subscriberRules: [{ id: 'Many', targets: Array.from({ length: 6 }, topic) }] }, /targets must hold 1 to 5/],
    [
      'a pattern naming a source',
      { subscriberRules: [{ id: 'Other', eventPattern: { source: ['aws.s3'] } as object, targets: [topic()] }] },
      /must not name a source/,
    ],
    ['an account id that is not 12 digits', { subscriberAccess: { accounts: ['12345'] } }, /12-digit account ids, got "12345"/],
    ['accounts and an organization', { subscriberAccess: { accounts: ['210987654321'], organizationId: 'o-a1b2c3d4e5' } }, /not both/],
    ['access naming nobody', { subscriberAccess: {} }, /needs accounts or an organizationId/],
    ['a malformed organization id', { subscriberAccess: { organizationId: 'acme' } }, /not an organization id/],
  ])('refuses %s, naming the property', (_case, props, message) => {
    expect(() => new ProvisionerStack(newTestApp(), 'Refused', props)).toThrow(ProvisionerPropsError);
    expect(() => new ProvisionerStack(newTestApp(), 'Refused', props)).toThrow(message);
  });
});
