import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { readControllerManagerConfig } from '../config/load-config.ts';
import { composeController, type ComposedController } from '../controller/start-controller.ts';
import { createLogger, logLevelForVerbosity } from '../observability/logger.ts';
import type { Command } from './command.ts';

const synopsis = 'run --config FILE [--kubeconfig PATH] [--spire-socket PATH] [-v LEVEL]';

const usage = [
  synopsis,
  '',
  'Options:',
  '  --config FILE         the ControllerManagerConfig (or the ConfigMap holding it as config.yaml)',
  '  --kubeconfig PATH     the management cluster (default: $KUBECONFIG, else the in-cluster service account)',
  "  --spire-socket PATH   spire-server's admin socket (default: the config's spireServerSocketPath)",
  '  -v, --v LEVEL         log verbosity: 0-1 info, 2 and above debug (each entry written)',
  '',
  'Runs until SIGTERM or SIGINT, then stops its work, hands back the leader lease and exits 0.',
].join('\n');

/** `run`: the controller. */
export const runCommand: Command = {
  name: 'run',
  summary: "Run the controller: keep the SPIRE server's entries in step with the pods of every registered cluster.",
  usage,
  run: async (args, io) => {
    let values;
    try {
      values = parseArgs({
        args: [...args],
        options: { config: { type: 'string' }, kubeconfig: { type: 'string' }, 'spire-socket': { type: 'string' }, v: { type: 'string', short: 'v', default: '0' } },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (error) {
      io.stderr(`run: ${(error as Error).message}\nUsage: spire-eks-workload-registrar ${synopsis}\n`);
      return 1;
    }
    if (values.config === undefined) {
      io.stderr(`run: --config FILE is required\nUsage: spire-eks-workload-registrar ${synopsis}\n`);
      return 1;
    }
    const verbosity = Number(values.v);
    if (!Number.isInteger(verbosity) || verbosity < 0) {
      io.stderr(`run: -v ${values.v}: expected a whole number\n`);
      return 1;
    }
    const config = await readControllerManagerConfig(values.config);
    if (!config.ok) {
      io.stderr(config.errors.map((error) => `${error}\n`).join(''));
      return 1;
    }
    // A long-running controller favours memory over speed: with V8's default heap growth the garbage of
    // a full reconciliation (and of statuses computed every second) grew the heap to 2-3 times what is
    // live and the process kept that memory for ever. Measured with bench/controller.ts, 2 x 3000 pods:
    // RSS 342 MiB with the defaults, 134 MiB with this, p99 pod-to-entry latency unchanged (docs/adr/0018).
    // Set before the controller allocates its caches: V8 reads it as the heap grows. The published entry
    // point (bin/) also gives it on node's command line, which starts the heap small too, and turns off
    // allocation-site pretenuring there as here (docs/adr/0029).
    setFlagsFromString('--optimize-for-size');
    setFlagsFromString('--no-allocation-site-pretenuring');
    const logger = createLogger({ level: logLevelForVerbosity(verbosity) });
    let controller: ComposedController;
    try {
      controller = composeController({
        config: config.value,
        logger,
        ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
        ...(values['spire-socket'] !== undefined ? { spireSocketPath: values['spire-socket'] } : {}),
      });
    } catch (error) {
      io.stderr(`run: cannot start: ${(error as Error).message}\n`);
      return 1;
    }
    const stop = new AbortController();
    const onSignal = (signal: string): void => {
      logger.info({ signal }, 'Shutting down');
      stop.abort(new Error(`received ${signal}`));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await controller.run(stop.signal);
    } catch (error) {
      logger.error({ err: error }, 'The controller stopped');
      return 2;
    } finally {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    }
    logger.info('Stopped');
    return 0;
  },
};
