import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a serving certificate it signed, PEM-encoded. */
export interface ServingCertificate {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * A fresh CA and a serving certificate for `hosts` (IP addresses or DNS names) made with the openssl
 * command, as cert-manager would issue them for a webhook's Service.
 */
export function makeServingCertificate(hosts: readonly string[], commonName = 'webhook'): ServingCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'serving-cert-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=test-ca', '-keyout', at('ca.key'), '-out', at('ca.crt'));
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', at('tls.key'), '-out', at('tls.csr'));
    const names = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
    writeFileSync(at('ext.cnf'), `subjectAltName=${names}\nextendedKeyUsage=serverAuth\n`);
    openssl('x509', '-req', '-in', at('tls.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', at('ext.cnf'), '-out', at('tls.crt'));
    return { caCert: readFileSync(at('ca.crt'), 'utf8'), cert: readFileSync(at('tls.crt'), 'utf8'), key: readFileSync(at('tls.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
