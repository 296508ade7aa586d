import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers for acknowledging cdk-nag (v3) findings. v3 reads acknowledgements
 * from CDK's native `Validations.of(construct).acknowledge()`; a finding on one
 * resource of an IAM policy is acknowledged by its full id
 * `AwsSolutions-IAM5[Resource::<flattened ARN>]`, so nothing else is silenced.
 */

/** Acknowledges one cdk-nag finding on `construct` (and only its subtree) with a written reason. */
export function acknowledgeNagFinding(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * The id cdk-nag gives an IAM5 finding on `resource`: the resource as the
 * template will hold it, with `Ref`s and `GetAtt`s written `<Name>` and
 * `<Name.Attribute>` (cdk-nag's flattening), so the acknowledgement matches
 * whether the stack is environment-agnostic or bound to an account/region.
 */
export function iamWildcardResourceFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if (intrinsic['Fn::Sub'] !== undefined) return flatten(intrinsic['Fn::Sub']);
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (intrinsic.Ref !== undefined) return `<${flatten(intrinsic.Ref)}>`;
  }
  return JSON.stringify(node);
}
