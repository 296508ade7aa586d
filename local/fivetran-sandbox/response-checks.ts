/**
 * What the sandbox checks in every answer before sending it: that it holds to Fivetran's contract, and
 * that it repeats no secret value a create or update request sent.
 */
import type { ApiResponse, ResponseContract } from './api-request';
import {
  type ContractCheck,
  MASKED_SECRET,
  validateConnectCardResponse,
  validateCreateResponse,
  validateDeleteResponse,
  validateErrorResponse,
  validateGetResponse,
  validateGroupListResponse,
  validateListResponse,
  validateSetupTestsResponse,
  validateUpdateResponse,
} from './contract';

/** Shorter secrets could match ordinary response text by chance, so the leak check ignores them. */
const MIN_CHECKED_SECRET_LENGTH = 6;

const RESPONSE_VALIDATORS: Record<Exclude<ResponseContract, 'none'>, (body: unknown) => ContractCheck> = {
  createResponse: validateCreateResponse,
  getResponse: validateGetResponse,
  listResponse: validateListResponse,
  groupListResponse: validateGroupListResponse,
  deleteResponse: validateDeleteResponse,
  updateResponse: validateUpdateResponse,
  setupTestsResponse: validateSetupTestsResponse,
  connectCardResponse: validateConnectCardResponse,
  errorResponse: validateErrorResponse,
};

/** Whether a secret value received in a request is looked for in the answers (not the mask, nor one too short to tell). */
export function isCheckedSecret(secret: string): boolean {
  return secret.length >= MIN_CHECKED_SECRET_LENGTH && secret !== MASKED_SECRET;
}

export function contractProblems(answer: ApiResponse, receivedSecrets: ReadonlySet<string>): string[] {
  const validator = RESPONSE_VALIDATORS[answer.contract as Exclude<ResponseContract, 'none'>];
  const check = validator(answer.body);
  const problems = check.valid ? [] : check.errors;
  const text = JSON.stringify(answer.body);
  for (const secret of receivedSecrets) {
    // Never name the secret itself: this message is sent and logged.
    if (text.includes(secret)) problems.push('a secret value received in a request appears in the response body');
  }
  return problems;
}
