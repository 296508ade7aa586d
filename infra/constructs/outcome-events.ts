import type { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { type OutcomeEventSchema, outcomeEventSchemas } from '../event-schemas';

export interface OutcomeEventsProps {
  /** `source` of every event the provisioner publishes. */
  readonly eventSource: string;
  /** Name of an existing bus in this account and region to publish to; a new bus is created when absent. */
  readonly existingEventBusName?: string | undefined;
  /** How long the archive keeps the provisioner's events for replay. */
  readonly archiveRetention: Duration;
}

/**
 * Where the provisioner's outcome events go: the bus, an archive of the
 * provisioner's own events (so a subscriber that was down can be replayed to),
 * and a schema registry holding the events' JSON Schemas for code bindings.
 */
export class OutcomeEvents extends Construct {
  readonly eventBus: events.IEventBus;
  /** True when the stack created (and owns) the bus. */
  readonly ownsEventBus: boolean;
  readonly archive: events.Archive;
  readonly registry: eventschemas.CfnRegistry;
  readonly schemas: eventschemas.CfnSchema[];

  constructor(scope: Construct, id: string, props: OutcomeEventsProps) {
    super(scope, id);

    this.ownsEventBus = props.existingEventBusName === undefined;
    // A created EventBus is an IEventBus; the cast only bridges aws-cdk-lib's types, which are not written for exactOptionalPropertyTypes.
    this.eventBus =
      props.existingEventBusName === undefined
        ? (new events.EventBus(this, 'EventBus', { description: 'Outcome events of the Fivetran provisioner' }) as events.IEventBus)
        : events.EventBus.fromEventBusName(this, 'EventBus', props.existingEventBusName);

    // Only the provisioner's events: on a shared bus, archiving everything would be someone else's bill.
    this.archive = this.eventBus.archive('Archive', {
      description: `Events with source ${props.eventSource}, kept for replay`,
      eventPattern: { source: [props.eventSource] },
      retention: props.archiveRetention,
    });

    this.registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      description: `JSON Schemas (draft 4) of the events with source ${props.eventSource}`,
    });
    this.schemas = outcomeEventSchemas(props.eventSource).map((schema) => this.registerSchema(schema));
  }

  /** Adds the schemas of other events the provisioner publishes. */
  registerSchemas(schemas: readonly OutcomeEventSchema[]): eventschemas.CfnSchema[] {
    return schemas.map((schema) => this.registerSchema(schema));
  }

  /** Adds the schema of another event the provisioner publishes (such as `Backfill Completed`) to the registry. */
  registerSchema(schema: OutcomeEventSchema): eventschemas.CfnSchema {
    return new eventschemas.CfnSchema(this, `${schema.schemaName.split('@')[1]}Schema`, {
      registryName: this.registry.attrRegistryName,
      schemaName: schema.schemaName,
      type: 'JSONSchemaDraft4',
      description: `Detail type "${schema.detailType}"`,
      content: JSON.stringify(schema.content),
    });
  }
}
