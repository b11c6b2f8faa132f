import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { logMessages } from './log-messages.ts';
import { createLogger, logLevelForVerbosity, type LogLevel } from './logger.ts';

/** A logger writing into memory, and its lines parsed. */
function capture(level?: LogLevel): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger({ destination: stream, ...(level !== undefined ? { level } : {}) });
  return {
    logger,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

test('each line is one JSON object with the level as a word, an RFC 3339 time, the message and the fields', () => {
  const { logger, lines } = capture('debug');
  logger.info(logMessages.targetedReconciliation);
  logger.debug({ spiffeID: 'spiffe://example.org/ns/test-app/sa/test-app', entryID: 'eks-1acf83a6' }, logMessages.entryCreated);
  const [first, second, ...rest] = lines();
  assert.deepEqual(rest, []);
  assert.deepEqual(Object.keys(first ?? {}).sort(), ['level', 'msg', 'time']);
  assert.equal(first?.level, 'info');
  assert.equal(first?.msg, 'WorkloadIdentity resource changed, using targeted reconciliation');
  assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(String(first?.time)) - Date.now()) < 60_000);
  assert.deepEqual(
    { level: second?.level, msg: second?.msg, spiffeID: second?.spiffeID, entryID: second?.entryID },
    { level: 'debug', msg: 'Successfully created SPIRE entry', spiffeID: 'spiffe://example.org/ns/test-app/sa/test-app', entryID: 'eks-1acf83a6' },
  );
});

test('the default level is info: debug lines are dropped, warn and error kept', () => {
  const { logger, lines } = capture();
  logger.debug('hidden');
  logger.info('shown');
  logger.warn({ cluster: 'c' }, 'careful');
  logger.error('broken');
  assert.deepEqual(
    lines().map((line) => [line.level, line.msg]),
    [
      ['info', 'shown'],
      ['warn', 'careful'],
      ['error', 'broken'],
    ],
  );
});

test('level error drops info and warn', () => {
  const { logger, lines } = capture('error');
  logger.info('no');
  logger.warn('no');
  logger.error('yes');
  assert.deepEqual(
    lines().map((line) => line.msg),
    ['yes'],
  );
});

test('a child adds its bindings to every line, and an Error under err keeps its message and stack', () => {
  const { logger, lines } = capture();
  logger.child({ cluster: 'workload-cluster' }).child({ controller: 'eksclusterregistry' }).warn({ err: new Error('connection refused') }, 'cluster unreachable');
  const [line] = lines();
  assert.equal(line?.cluster, 'workload-cluster');
  assert.equal(line?.controller, 'eksclusterregistry');
  const err = line?.err as { message?: string; stack?: string; type?: string };
  assert.equal(err.type, 'Error');
  assert.equal(err.message, 'connection refused');
  assert.match(String(err.stack), /connection refused/);
});

test('--v=2 and above log debug, lower verbosity info', () => {
  assert.equal(logLevelForVerbosity(0), 'info');
  assert.equal(logLevelForVerbosity(1), 'info');
  assert.equal(logLevelForVerbosity(2), 'debug');
  assert.equal(logLevelForVerbosity(5), 'debug');
});
