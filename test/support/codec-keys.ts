/**
 * Fixed codec keys for tests (never used outside test/). Fixed, not random, so histories
 * recorded by a test run can be replayed by later runs.
 */
export const TEST_KEY_A = 'test-a:dGVzdC1rZXktYS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0=';
export const TEST_KEY_B = 'test-b:dGVzdC1rZXktYi0tLS0tLS0tLS0tLS0tLS0tLS0tLS0=';
export const TEST_CODEC_KEYS = TEST_KEY_A;
