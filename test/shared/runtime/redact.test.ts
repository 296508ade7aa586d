import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../local/fivetran-sandbox/prng';
import { createRedactor, cut, REDACTED } from '../../../shared/runtime/redact';
import { findFragments, needlesFor, randomPrivateKey, randomSecret } from '../../support/secret-fragments';

const random = seededRandom(1010).next;
const privateKey = randomPrivateKey(random);
const token = `glpat-${randomSecret(random, 40)}`;
const apiKey = randomSecret(random, 16);
const apiSecret = randomSecret(random, 32);
const basic = Buffer.from(`${apiKey}:${apiSecret}`).toString('base64');

/** Every 12-character run of the secrets, raw and in the forms a leak takes. */
const needles = [
  ...needlesFor('private key', privateKey),
  ...needlesFor('token', token),
  ...needlesFor('API secret', apiSecret),
  { label: 'Authorization value', value: basic },
  { label: 'Authorization header, base64', value: Buffer.from(`Basic ${basic}`).toString('base64') },
];
const leaksIn = (text: string) => findFragments(needles, [{ where: 'text', text }]);

const redactorForTheRecord = () => createRedactor([privateKey, token, apiKey, apiSecret, `${apiKey}:${apiSecret}`, `Basic ${basic}`]);

describe('redactor', () => {
  it('removes a private key echoed JSON-escaped inside a Fivetran message, before the message is cut', () => {
    // given Fivetran's 400 quoting the create body, with the 1.7 KB key JSON-escaped
    const echoed = `Invalid client_private_key in ${JSON.stringify({ config: { client_private_key: privateKey } })}`;
    expect(leaksIn(echoed).length).toBeGreaterThan(0);
    // when the message is redacted and cut to an event's length
    const shown = redactorForTheRecord().text(echoed, 500);
    // then nothing of the key is left, and the text around it is
    expect(leaksIn(shown)).toEqual([]);
    expect(shown).toBe(`Invalid client_private_key in {"config":{"client_private_key":"${REDACTED}"}}`);
  });

  it('leaves no piece of a secret that a cut at any position would have split', () => {
    const redactor = redactorForTheRecord();
    for (let padding = 440; padding < 500; padding += 7) {
      const text = `${'p'.repeat(padding)}${token} and more`;
      expect(leaksIn(redactor.text(text, 500))).toEqual([]);
    }
  });

  it('removes a secret quoted only in part, down to 12 characters, and merges overlapping pieces into one mark', () => {
    const redactor = redactorForTheRecord();
    expect(redactor.text(`key starts with ${privateKey.slice(0, 100)}...`)).toBe(`key starts with ${REDACTED}...`);
    expect(redactor.text(`middle: ${token.slice(10, 22)}.`)).toBe(`middle: ${REDACTED}.`);
    expect(redactor.text(`${token}${apiSecret}`)).toBe(REDACTED);
    // eleven characters are not a fragment: ordinary text must survive
    expect(redactor.text(`short: ${token.slice(10, 21)}.`)).toBe(`short: ${token.slice(10, 21)}.`);
  });

  it('removes the API key as the Authorization header carries it, and that header base64-encoded again', () => {
    const redactor = redactorForTheRecord();
    const headerEcho = `401 Unauthorized: Authorization: Basic ${basic}`;
    const encodedHeader = `header=${Buffer.from(`Basic ${basic}`).toString('base64')}`;
    expect(redactor.text(headerEcho)).toBe(`401 Unauthorized: Authorization: ${REDACTED}`);
    expect(leaksIn(redactor.text(encodedHeader))).toEqual([]);
  });

  it('removes URL-encoded, base64-encoded and twice-escaped forms', () => {
    const redactor = redactorForTheRecord();
    // Each text, and the part of it that encodes the secret.
    const embedded = (prefix: string, encoding: BufferEncoding) => Buffer.from(`${prefix}${token}-suffix`).toString(encoding);
    const cases: Array<[string, string]> = [
      [`redirect?token=${encodeURIComponent(privateKey)}`, encodeURIComponent(privateKey)],
      [`blob ${embedded('prefix-', 'base64')}`, embedded('prefix-', 'base64').slice(12, -12)],
      [`blob ${embedded('pre', 'base64url')}`, embedded('pre', 'base64url').slice(8, -12)],
      [JSON.stringify(JSON.stringify({ key: privateKey })), JSON.stringify(JSON.stringify(privateKey)).slice(2, -2)],
    ];
    for (const [text, encoded] of cases) {
      const encodedNeedle = [{ label: 'encoded secret', value: encoded }];
      expect(findFragments(encodedNeedle, [{ where: 'text', text }])).toHaveLength(1);
      expect(findFragments(encodedNeedle, [{ where: 'redacted', text: redactor.text(text) }])).toEqual([]);
    }
  });

  it('removes short secrets whole, ignores values too short to find, and leaves text without secrets unchanged', () => {
    const redactor = createRedactor(['abc', 'pass1234', undefined]);
    expect(redactor.text('abc pass1234 abcd')).toBe(`abc ${REDACTED} abcd`);
    expect(createRedactor().text('nothing to hide')).toBe('nothing to hide');
  });

  it('removes a secret from an identifier only whole, so a fake secret that shares words with it leaves it routable', () => {
    const redactor = createRedactor(['fake-oauth-client-secret-0003', token]);
    expect(redactor.text('example-oauth-client-access')).toBe(`exampl${REDACTED}access`);
    expect(redactor.name('example-oauth-client-access')).toBe('example-oauth-client-access');
    expect(redactor.name(`pasted-${token}`)).toBe(`pasted-${REDACTED}`);
  });

  it('learns secrets added later', () => {
    const redactor = createRedactor();
    expect(redactor.text(token)).toBe(token);
    redactor.add(token);
    expect(redactor.text(token)).toBe(REDACTED);
  });

  it('redacts every string of an object, an array and an error, and stops at cycles', () => {
    const redactor = redactorForTheRecord();
    const cyclic: Record<string, unknown> = { token };
    cyclic.self = cyclic;
    const shared = { value: token };
    const copied = redactor.deep({
      list: [token, 3, null, true],
      nested: { error: new Error(`bad ${token}`), cyclic, a: shared, b: shared },
    });
    expect(copied).toEqual({
      list: [REDACTED, 3, null, true],
      nested: {
        error: { name: 'Error', message: `bad ${REDACTED}` },
        cyclic: { token: REDACTED, self: REDACTED },
        a: { value: REDACTED },
        b: { value: REDACTED },
      },
    });
  });

  it('holds for random secrets at random places in random text', () => {
    const redactor = redactorForTheRecord();
    const secrets = [privateKey, token, apiSecret, basic];
    for (let round = 0; round < 200; round += 1) {
      const secret = secrets[round % secrets.length]!;
      const from = Math.floor(random() * (secret.length - 12));
      const to = from + 12 + Math.floor(random() * (secret.length - from - 12));
      const piece = secret.slice(from, to);
      const text = `${randomSecret(random, Math.floor(random() * 600), 'xyz .,:-')}${piece}${randomSecret(random, 30, 'xyz .,:-')}`;
      expect(leaksIn(redactor.text(text, 500))).toEqual([]);
    }
  });
});

describe('cut', () => {
  it('ends a cut text in an ellipsis and never splits a surrogate pair', () => {
    expect(cut('abcdef', 6)).toBe('abcdef');
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('ab\u{1F680}cd', 4)).toBe('ab…');
  });
});
