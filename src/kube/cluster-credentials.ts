import type { KubeConfig } from '@kubernetes/client-node';

/** Where a cluster is and how to prove who we are to it, for one request. */
export interface ClusterCredentials {
  /** `https://host[:port][/prefix]`. */
  readonly server: string;
  /** The CA that signs the server's certificate, PEM; the system's roots when absent. */
  readonly caPem?: string;
  /** A bearer token (an EKS token, a service account token, a static token). */
  readonly token?: string;
  /** A client certificate and its key, PEM, for certificate authentication. */
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  /** Overrides the name checked in the server's certificate (kubeconfig `tls-server-name`). */
  readonly tlsServerName?: string;
  /** Accepts any server certificate (kubeconfig `insecure-skip-tls-verify`). Never for a real fleet. */
  readonly insecureSkipTlsVerify?: boolean;
}

/**
 * Credentials for one request. Asked for on every request, long watches included, because EKS bearer
 * tokens expire after 15 minutes and a watch that reconnects must present a fresh one; a source caches
 * what it can (see src/fleet/eks-token-source.ts).
 */
export type ClusterCredentialSource = () => Promise<ClusterCredentials>;

/**
 * Credentials from a client-node KubeConfig (a kubeconfig file, or in-cluster config for the management
 * cluster). client-node re-reads token files (projected service account tokens rotate) and runs exec
 * plugins as needed on each call.
 */
export function kubeConfigCredentials(config: KubeConfig): ClusterCredentialSource {
  return async () => {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error(`kubeconfig: context "${config.getCurrentContext()}" names no cluster`);
    const options: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, unknown>; rejectUnauthorized?: boolean; servername?: string; auth?: string } = {};
    await config.applyToHTTPSOptions(options);
    if (options.auth !== undefined) throw new Error(`kubeconfig cluster ${cluster.name}: basic authentication is not supported; use a token or a client certificate`);
    const authorization = options.headers?.Authorization ?? options.headers?.authorization;
    let token: string | undefined;
    if (authorization !== undefined) {
      const match = /^Bearer (.+)$/.exec(String(authorization));
      if (match === null) throw new Error(`kubeconfig cluster ${cluster.name}: only bearer tokens are supported in the Authorization header`);
      token = match[1];
    }
    return {
      server: cluster.server,
      ...(options.ca ? { caPem: options.ca.toString('utf8') } : {}),
      ...(token !== undefined ? { token } : {}),
      ...(options.cert ? { clientCertPem: options.cert.toString('utf8') } : {}),
      ...(options.key ? { clientKeyPem: options.key.toString('utf8') } : {}),
      ...(options.servername !== undefined ? { tlsServerName: options.servername } : {}),
      ...(options.rejectUnauthorized === false ? { insecureSkipTlsVerify: true } : {}),
    };
  };
}
