/**
 * Keeps every test on loopback: an AWS client that no test pointed anywhere
 * reaches a closed local port instead of AWS, with fake credentials so the
 * SDK never asks the instance metadata service.
 */
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:9';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// Lambda's runtime sets this; Powertools reads it to tell a cold start from a warm one.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';
