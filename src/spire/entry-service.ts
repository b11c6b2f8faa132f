import { Client, credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

/** A service of spire-server's API as written in this directory's .proto files, and the RPCs a client calls. */
export interface SpireServiceDefinition<Rpc extends string> {
  /** The .proto file in src/spire/proto. */
  readonly file: string;
  /** The service's full name, e.g. `spire.api.server.entry.v1.Entry`. */
  readonly service: string;
  readonly rpcs: readonly Rpc[];
}

/** The Entry API RPCs the client calls. */
export type EntryRpc =
  | 'CountEntries'
  | 'ListEntries'
  | 'GetEntry'
  | 'BatchCreateEntry'
  | 'BatchUpdateEntry'
  | 'BatchDeleteEntry';

const entryService: SpireServiceDefinition<EntryRpc> = {
  file: 'entry-service.proto',
  service: 'spire.api.server.entry.v1.Entry',
  rpcs: ['CountEntries', 'ListEntries', 'GetEntry', 'BatchCreateEntry', 'BatchUpdateEntry', 'BatchDeleteEntry'],
};

// Two levels up and back down into src/spire/proto: the same directory whether this module runs from
// src/spire (type stripping) or from dist/spire (the build compiles TypeScript only and copies no .proto).
const protoDir = fileURLToPath(new URL('../../src/spire/proto/', import.meta.url));

type Methods<Rpc extends string> = Readonly<Record<Rpc, MethodDefinition<object, unknown>>>;
const loaded = new Map<string, Methods<string>>();

function serviceMethods<Rpc extends string>(definition: SpireServiceDefinition<Rpc>): Methods<Rpc> {
  const cached = loaded.get(definition.service);
  if (cached !== undefined) return cached as Methods<Rpc>;
  const packageDefinition = loadSync(definition.file, {
    includeDirs: [protoDir],
    // Field names as in the .proto files, int64 as strings, enums by name, absent fields as their
    // defaults: the shapes the message modules check.
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    // A oneof's chosen field is named in a virtual field of the oneof's name.
    oneofs: true,
  });
  const service = packageDefinition[definition.service];
  if (service === undefined || 'format' in service) throw new Error(`no ${definition.service} service in ${protoDir}${definition.file}`);
  const found: Partial<Record<Rpc, MethodDefinition<object, unknown>>> = {};
  for (const rpc of definition.rpcs) {
    const method = service[rpc];
    if (method === undefined) throw new Error(`no ${rpc} in ${protoDir}${definition.file}`);
    found[rpc] = method as MethodDefinition<object, unknown>;
  }
  loaded.set(definition.service, found as Methods<string>);
  return found as Methods<Rpc>;
}

/** A plaintext gRPC channel to spire-server's admin socket that makes single unary calls of one service, no retries. */
export interface SpireService<Rpc extends string> {
  /** Resolves with the decoded response; rejects with grpc-js's ServiceError (it has a `code`). */
  call(rpc: Rpc, request: object, deadline: Date): Promise<unknown>;
  close(): void;
}

/** The Entry API's channel. */
export type EntryService = SpireService<EntryRpc>;

export interface EntryServiceOptions {
  readonly socketPath: string;
  /** The largest response accepted. */
  readonly maxReceiveMessageBytes: number;
  /** The cap on grpc-js's own reconnection backoff. */
  readonly maxReconnectBackoffMs: number;
}

/** A channel to one service of spire-server's admin socket. */
export function openSpireService<Rpc extends string>(definition: SpireServiceDefinition<Rpc>, options: EntryServiceOptions): SpireService<Rpc> {
  const methods = serviceMethods(definition);
  const channelOptions: ChannelOptions = {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    // grpc-js waits up to 120 s between reconnection attempts by default: far longer than a spire-server
    // restart, and every call fails fast while it waits. The client's own retries pace the calls.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': options.maxReconnectBackoffMs,
  };
  const client = new Client(`unix:${options.socketPath}`, credentials.createInsecure(), channelOptions);
  return {
    call: (rpc, request, deadline) =>
      new Promise((resolve, reject) => {
        const method = methods[rpc];
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          new Metadata(),
          { deadline },
          (error: ServiceError | null, response?: unknown) => (error ? reject(error) : resolve(response)),
        );
      }),
    close: () => client.close(),
  };
}

export function openEntryService(options: EntryServiceOptions): EntryService {
  return openSpireService(entryService, options);
}
