import { Client, credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

/** The Entry API RPCs the client calls. */
export type EntryRpc =
  | 'CountEntries'
  | 'ListEntries'
  | 'GetEntry'
  | 'BatchCreateEntry'
  | 'BatchUpdateEntry'
  | 'BatchDeleteEntry';

const rpcs: readonly EntryRpc[] = ['CountEntries', 'ListEntries', 'GetEntry', 'BatchCreateEntry', 'BatchUpdateEntry', 'BatchDeleteEntry'];

// Two levels up and back down into src/spire/proto: the same directory whether this module runs from
// src/spire (type stripping) or from dist/spire (the build compiles TypeScript only and copies no .proto).
const protoDir = fileURLToPath(new URL('../../src/spire/proto/', import.meta.url));

type Methods = Readonly<Record<EntryRpc, MethodDefinition<object, unknown>>>;
let methods: Methods | undefined;

function entryMethods(): Methods {
  if (methods !== undefined) return methods;
  const definition = loadSync('entry-service.proto', {
    includeDirs: [protoDir],
    // Field names as in the .proto files, int64 as strings, enums by name, absent fields as their
    // defaults: the shapes entry-message.ts checks.
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const service = definition['spire.api.server.entry.v1.Entry'];
  if (service === undefined || 'format' in service) throw new Error(`no Entry service in ${protoDir}entry-service.proto`);
  const found: Partial<Record<EntryRpc, MethodDefinition<object, unknown>>> = {};
  for (const rpc of rpcs) {
    const method = service[rpc];
    if (method === undefined) throw new Error(`no ${rpc} in ${protoDir}entry-service.proto`);
    found[rpc] = method as MethodDefinition<object, unknown>;
  }
  methods = found as Methods;
  return methods;
}

/** A plaintext gRPC channel to spire-server's admin socket that makes single unary calls, no retries. */
export interface EntryService {
  /** Resolves with the decoded response; rejects with grpc-js's ServiceError (it has a `code`). */
  call(rpc: EntryRpc, request: object, deadline: Date): Promise<unknown>;
  close(): void;
}

export interface EntryServiceOptions {
  readonly socketPath: string;
  /** The largest response accepted. */
  readonly maxReceiveMessageBytes: number;
  /** The cap on grpc-js's own reconnection backoff. */
  readonly maxReconnectBackoffMs: number;
}

export function openEntryService(options: EntryServiceOptions): EntryService {
  const entry = entryMethods();
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
        const method = entry[rpc];
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
