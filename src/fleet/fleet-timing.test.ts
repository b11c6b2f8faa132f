import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFleetTiming, fleetTimingFromEnv } from './fleet-timing.ts';

test('no variables: the production defaults', () => {
  assert.deepEqual(fleetTimingFromEnv({}), defaultFleetTiming);
});

test('the variables set every figure, in seconds', () => {
  assert.deepEqual(
    fleetTimingFromEnv({
      SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS: '900',
      SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS: '880',
      SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS: '885',
      SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS: '10',
    }),
    { assumeRoleDurationSeconds: 900, credentialRefreshMarginMs: 880_000, tokenRefreshMarginMs: 885_000, watchTimeoutSeconds: 10 },
  );
});

test('out of range or not whole numbers are refused with the variable named', () => {
  assert.throws(() => fleetTimingFromEnv({ SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS: '600' }), /ASSUME_ROLE_DURATION_SECONDS=600: expected whole seconds from 900 to 43200/);
  // A margin as long as the session would renew on every request.
  assert.throws(() => fleetTimingFromEnv({ SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS: '900', SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS: '900' }), /from 0 to 890/);
  assert.throws(() => fleetTimingFromEnv({ SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS: '1.5' }), /TOKEN_REFRESH_MARGIN_SECONDS/);
  assert.throws(() => fleetTimingFromEnv({ SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS: '0' }), /WATCH_TIMEOUT_SECONDS/);
});
