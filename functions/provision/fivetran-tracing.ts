import type { Tracer } from '@aws-lambda-powertools/tracer';
import { FivetranFault } from '../../shared/fivetran/fault';
import { CodedError } from '../../shared/runtime/errors';
import type { FivetranCallTracer } from './provision-connection';

/** The part of Powertools' Tracer the subsegments need. */
export type SegmentSource = Pick<Tracer, 'getSegment' | 'isTracingEnabled'>;

/** What identifies a record's calls in X-Ray: both are annotations, so traces can be searched by them. */
export interface TracedRecord {
  readonly requestId: string;
  /** Absent for a lifecycle request, whose group is known only once the ledger named its target. */
  readonly groupId?: string;
}

/**
 * A subsegment per Fivetran call, under the invocation's segment, annotated
 * with the record's `requestId` and `groupId`, the `operation` and its
 * `outcome` (`ok`, or the fault's code), and `httpStatus` when Fivetran
 * answered. The subsegment is never made the current segment: the records
 * of a batch run concurrently, and X-Ray's context is one per invocation.
 * No message is recorded: a Fivetran error text is only redacted where it
 * leaves the worker in a log or an event, so flags say what kind of fault it was.
 * Undefined when tracing is off (outside Lambda, or POWERTOOLS_TRACE_ENABLED=false).
 */
export function fivetranCallTracer(tracer: SegmentSource, record: TracedRecord): FivetranCallTracer | undefined {
  if (!tracer.isTracingEnabled()) return undefined;
  return async (operation, call) => {
    const parent = tracer.getSegment();
    if (parent === undefined) return call();
    const subsegment = parent.addNewSubsegment(`Fivetran ${operation}`);
    subsegment.addAnnotation('requestId', record.requestId);
    if (record.groupId !== undefined) subsegment.addAnnotation('groupId', record.groupId);
    subsegment.addAnnotation('operation', operation);
    try {
      const result = await call();
      subsegment.addAnnotation('outcome', 'ok');
      return result;
    } catch (error) {
      subsegment.addAnnotation('outcome', error instanceof CodedError ? error.code : 'UNEXPECTED_ERROR');
      const status = error instanceof FivetranFault ? error.status : undefined;
      if (status !== undefined) subsegment.addAnnotation('httpStatus', status);
      if (status === 429) subsegment.addThrottleFlag();
      else if (status !== undefined && status < 500) subsegment.addErrorFlag();
      else subsegment.addFaultFlag();
      throw error;
    } finally {
      subsegment.close();
    }
  };
}
