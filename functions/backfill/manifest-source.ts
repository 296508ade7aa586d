import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { BackfillError } from './errors';

/** Far above any real manifest (thousands of requests of a few KiB), far below the function's memory. */
export const MAX_MANIFEST_BYTES = 20 * 1024 * 1024;

export interface ManifestObject {
  text: string;
  etag: string;
  versionId?: string;
}

export interface ManifestLocation {
  bucket: string;
  key: string;
  /** Set by follow-ups: the object the run started with must still be the one read. */
  etag?: string;
  versionId?: string;
}

/**
 * Reads a manifest object. A follow-up passes the ETag (and version) the run
 * started with: in a versioned bucket it reads that version even if the key
 * was overwritten since; otherwise S3 refuses a changed object (If-Match) and
 * the run stops with MANIFEST_CHANGED, because the line numbers of the cursor
 * would no longer point at the same requests.
 *
 * @example await readManifest(s3, { bucket: 'manifests', key: 'teams.jsonl' }) // { text, etag: '"4fcc…"' }
 */
export async function readManifest(s3: S3Client, location: ManifestLocation): Promise<ManifestObject> {
  const where = `s3://${location.bucket}/${location.key}`;
  let answer: GetObjectCommandOutput;
  try {
    answer = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(location.versionId === undefined ? {} : { VersionId: location.versionId }),
        ...(location.etag === undefined ? {} : { IfMatch: location.etag }),
      }),
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : 'UnknownError';
    if (name === 'PreconditionFailed') {
      throw new BackfillError('MANIFEST_CHANGED', `The manifest ${where} was replaced while the run was going on; start a new run`, {
        cause: error,
      });
    }
    throw new BackfillError('MANIFEST_UNREADABLE', `Could not read the manifest ${where} (${name})`, { cause: error });
  }
  if ((answer.ContentLength ?? 0) > MAX_MANIFEST_BYTES) {
    answer.Body?.transformToWebStream()
      .cancel()
      .catch(() => undefined);
    throw new BackfillError(
      'MANIFEST_TOO_LARGE',
      `The manifest ${where} is ${answer.ContentLength} bytes; split it below ${MAX_MANIFEST_BYTES} bytes`,
    );
  }
  const text = (await answer.Body?.transformToString('utf-8')) ?? '';
  if (answer.ETag === undefined) throw new BackfillError('MANIFEST_UNREADABLE', `S3 returned no ETag for ${where}`);
  return {
    text,
    etag: answer.ETag,
    ...(answer.VersionId === undefined || answer.VersionId === 'null' ? {} : { versionId: answer.VersionId }),
  };
}
