import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setAwsEnvironment, startFakeSts, type FakeSts } from '../../test/support/fake-sts.ts';
import { clusterCredentials } from './aws-credentials.ts';

let sts: FakeSts;
let dir: string;
let restore = (): void => {};

before(async () => {
  sts = await startFakeSts();
  dir = mkdtempSync(join(tmpdir(), 'aws-credentials-test-'));
});

after(async () => {
  await sts.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  restore = setAwsEnvironment({ AWS_ENDPOINT_URL_STS: sts.url });
  sts.calls.length = 0;
});

afterEach(() => restore());

const role = 'arn:aws:iam::222222222222:role/registrar-reader';

test("AssumeRole is made in aws.region when it is set, else in the cluster's region", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'ap-southeast-2' });
  const configured = await clusterCredentials({ assumeRoleArn: role, region: 'us-west-2', stsRegion: 'eu-central-1' })();
  assert.equal(configured.accessKeyId, 'ASIAFAKE1');
  const unset = await clusterCredentials({ assumeRoleArn: role, region: 'us-west-2' })();
  assert.equal(unset.accessKeyId, 'ASIAFAKE2');
  assert.deepEqual(sts.calls, [
    { action: 'AssumeRole', roleArn: role, signingRegion: 'eu-central-1' },
    { action: 'AssumeRole', roleArn: role, signingRegion: 'us-west-2' },
  ]);
});

test("the default chain's own STS calls (here a profile's role) are made in aws.region; without it, where the SDK's defaults say", async () => {
  const chained = 'arn:aws:iam::111111111111:role/controller';
  writeFileSync(join(dir, 'config'), `[profile registrar]\nrole_arn = ${chained}\nsource_profile = base\n`);
  writeFileSync(join(dir, 'credentials'), '[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = secret\n');
  Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_PROFILE: 'registrar', AWS_REGION: 'ap-southeast-2' });
  await clusterCredentials({ region: 'us-west-2', stsRegion: 'eu-central-1' })();
  await clusterCredentials({ assumeRoleArn: role, region: 'us-west-2', stsRegion: 'eu-central-1' })();
  await clusterCredentials({ region: 'us-west-2' })();
  assert.deepEqual(sts.calls, [
    { action: 'AssumeRole', roleArn: chained, signingRegion: 'eu-central-1' },
    { action: 'AssumeRole', roleArn: chained, signingRegion: 'eu-central-1' },
    { action: 'AssumeRole', roleArn: role, signingRegion: 'eu-central-1' },
    { action: 'AssumeRole', roleArn: chained, signingRegion: 'ap-southeast-2' },
  ]);
});
