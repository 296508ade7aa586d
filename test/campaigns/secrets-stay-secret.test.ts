import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, type Pipeline, REGION } from '../../local/world/pipeline';
import {
  acceptedUnusualInputs,
  badInputCorpus,
  type CorpusContext,
  corpusSecretId,
  corpusSecretValue,
  escapeAstral,
  sqsAccepts,
} from '../reliability/support/bad-input-corpus';
import { CAMPAIGN_GROUPS } from '../reliability/support/campaign';
import { findLeaks } from '../reliability/support/markers';
import { type CampaignOutcome, type CampaignSettings, runCampaign } from '../reliability/support/run-campaign';
import { faultCampaignSettings } from '../reliability/support/settings';
import { findFragments, needlesFor, type SecretNeedle } from '../support/secret-fragments';

/**
 * Every secret is a long random value, starting with a unique marker: the
 * Fivetran API key (its id and its secret), every credentials secret of the
 * campaign (private keys of 1.7 KB in PEM lines), the secrets of the
 * bad-input corpus (including those that are not JSON or hold unknown keys),
 * and every secret value a malformed request carries inline. Then the fault
 * campaign and the bad-input corpus run together through the real-SDK
 * pipeline, seeded, and every log line (stdout and stderr, at DEBUG), every
 * published event (with its error message and Fivetran's answer) and every
 * error a handler threw is searched for any 12 characters of any secret, as
 * it is, JSON-escaped, URL-encoded or in base64.
 */
const SETTINGS: CampaignSettings = {
  ...faultCampaignSettings(424242),
  longSecrets: true,
  extra: ({ accountId, markers }) => {
    const context: CorpusContext = {
      prefix: CREDENTIALS_PREFIX,
      accountId,
      region: REGION,
      apiKeySecretId: API_KEY_SECRET_ID,
      groupId: CAMPAIGN_GROUPS[0]!,
      marker: (label) => markers.next(label),
    };
    // SQS itself refuses the few bodies with raw NUL or unpaired surrogates; the corpus test feeds those to the handler directly.
    const corpus = badInputCorpus(context).filter((badInput) => sqsAccepts(badInput.body));
    const accepted = acceptedUnusualInputs(context);
    const messages = [...corpus, ...accepted].map((input) => ({
      body: escapeAstral(input.body),
      ...('attributes' in input && input.attributes ? { attributes: input.attributes } : {}),
    }));
    corpusSize = messages.length;
    extraBodies = messages.map((message) => message.body);
    corpusSecrets = Object.assign(
      { [corpusSecretId(context)]: corpusSecretValue(context) },
      ...corpus.map((badInput) => badInput.secrets ?? {}),
    );
    plantedInline = corpus.flatMap((badInput) => badInput.planted);
    return {
      messages,
      secrets: corpusSecrets,
      seeded: corpus
        .filter((badInput) => badInput.takenBy)
        .map((badInput) => ({ groupId: badInput.groupId, schema: badInput.schema, service: badInput.takenBy! })),
    };
  },
};

let corpusSize = 0;
let extraBodies: string[] = [];
let corpusSecrets: Record<string, string> = {};
let plantedInline: string[] = [];
let outcome: CampaignOutcome | undefined;

beforeAll(async () => {
  outcome = await runCampaign(SETTINGS);
  await outcome.pipeline.stop();
}, 120_000);

afterAll(async () => {
  await outcome?.pipeline.stop();
});

/**
 * The secret strings a secret's value holds: its JSON's string values; when it
 * is not JSON (a corpus case), the random values in it, since the rest is
 * JSON punctuation and key names that messages may well say.
 */
function valuesIn(secretString: string, markers: readonly string[]): string[] {
  const leaves = (json: unknown): string[] =>
    typeof json === 'string' ? [json] : typeof json === 'object' && json !== null ? Object.values(json).flatMap(leaves) : [];
  try {
    return leaves(JSON.parse(secretString));
  } catch {
    return markers.filter((marker) => secretString.includes(marker));
  }
}

/** Every secret value of the run whole (those holding a marker: key names and client ids are not secret), in the forms a leak takes. */
function secretNeedles(): SecretNeedle[] {
  const { markers, apiKey, run } = outcome!;
  const issued = markers.all();
  // A private key's random value is broken into PEM lines.
  const labelOf = (value: string) => issued.find(({ marker }) => value.replace(/\n/g, '').includes(marker))?.label;
  const valuesOf = (secretString: string) =>
    valuesIn(
      secretString,
      issued.map(({ marker }) => marker),
    );
  const values = [
    ...Object.values({ ...run.plan.secrets, ...corpusSecrets }).flatMap(valuesOf),
    ...plantedInline,
    apiKey.apiKey,
    apiKey.apiSecret,
  ];
  const authorization = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
  return [
    ...values.flatMap((value) => {
      const label = labelOf(value);
      return label === undefined ? [] : needlesFor(label, value);
    }),
    { label: 'API key, as sent in Authorization', value: authorization },
    { label: 'Authorization header, base64', value: Buffer.from(`Basic ${authorization}`).toString('base64') },
  ];
}

function requestIdIn(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { requestId?: string }).requestId;
  } catch {
    return undefined;
  }
}

/** Every text the pipeline let out: its log lines, its events, and the errors a handler threw. */
function haystacksOf(pipeline: Pipeline): { where: string; text: string }[] {
  return [
    ...pipeline.logLines.map((text, index) => ({ where: `log line ${index + 1}`, text })),
    ...pipeline.events().map((event, index) => ({ where: `event ${index + 1} (${event.detailType})`, text: JSON.stringify(event) })),
    ...pipeline.batchErrors.map((error, index) => ({
      where: `handler error ${index + 1}`,
      text: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error),
    })),
  ];
}

describe('secrets stay secret through the fault campaign and the bad-input corpus', () => {
  it('ran both to the end, so the scan covers everything they produced', () => {
    const { run, extraIds, deadLetters, pipeline } = outcome!;
    expect(run.drained).toBe(true);
    expect(corpusSize).toBeGreaterThanOrEqual(100);
    expect(extraIds).toHaveLength(corpusSize);
    // Every corpus message ended: with a failure event naming it, in the dead-letter queue, or provisioned.
    const failedIds = new Set(pipeline.events().map((event) => (event.detail as { sqsMessageId?: string }).sqsMessageId));
    const deadIds = new Set(deadLetters.map((letter) => letter.messageId));
    const provisionedIds = new Set(
      pipeline
        .events()
        .filter((event) => event.detailType === 'Connection Provisioned')
        .map((event) => (event.detail as { requestId: string }).requestId),
    );
    const unsettled = extraIds.filter((id, index) => {
      if (failedIds.has(id) || deadIds.has(id)) return false;
      const body = extraBodies[index]!;
      return !provisionedIds.has(requestIdIn(body) ?? '');
    });
    expect(unsettled).toEqual([]);
    expect(pipeline.logLines.length).toBeGreaterThan(run.messageIds.length);
  });

  it('used the marked secrets: Fivetran received them, so their absence elsewhere means something', () => {
    const { pipeline, markers } = outcome!;
    // Private keys travel in PEM lines: their random value is whole once the line breaks are out.
    const sent = JSON.stringify(pipeline.sandbox.connections().map((connection) => connection.createRequest)).replace(/\\n/g, '');
    const campaignMarkers = markers.all().filter(({ label }) => /^(pat|mtls|oauth)-/.test(label));
    expect(campaignMarkers.length).toBeGreaterThan(0);
    expect(campaignMarkers.filter(({ marker }) => !sent.includes(marker))).toEqual([]);
  });

  it('made every secret long and random, and finds 12 characters of one planted anywhere, so a leak could not go unseen', () => {
    const needles = secretNeedles();
    const privateKeys = needles.filter(({ label, value }) => / key$/.test(label) && value.includes('PRIVATE KEY'));
    expect(privateKeys.length).toBeGreaterThan(0);
    expect(privateKeys.every(({ value }) => value.length > 1_600)).toBe(true);
    expect(needles.every(({ value }) => value.length >= 24)).toBe(true);
    const piece = privateKeys[0]!.value.slice(700, 712);
    expect(findFragments(needles, [{ where: 'canary', text: `…echoed ${piece} here…` }])).toHaveLength(1);
    const [first] = outcome!.markers.all();
    expect(findLeaks([first!], [{ where: 'canary', text: `token=${first!.marker};` }])).toHaveLength(1);
  });

  it('shows no 12 characters of any secret in any log line, event, error message or error a handler threw', () => {
    const { pipeline } = outcome!;
    const haystacks = haystacksOf(pipeline);
    expect(findFragments(secretNeedles(), haystacks, 12)).toEqual([]);
  });

  it('shows no marker in any log line, event, error message or error a handler threw', () => {
    const { pipeline, markers, apiKey } = outcome!;
    const haystacks = haystacksOf(pipeline);
    // The API key also travels base64-encoded in the Authorization header.
    const authorization = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
    const needles = [...markers.all(), { marker: authorization, label: 'API key, as sent in Authorization' }];
    expect(findLeaks(needles, haystacks)).toEqual([]);
  });
});
