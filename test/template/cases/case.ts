import type { GoCase } from '../go-template-tool.ts';

/** A differential case: a template, its data, options, and what it covers. */
export function c(template: string, data: unknown = null, options: Omit<GoCase, 'template' | 'data'> = {}): GoCase {
  return { template, data, ...options };
}

/** Kubernetes-like struct values, as the identity engine builds them. */
export const podMeta = {
  $goStruct: 'v1.ObjectMeta',
  fields: {
    Name: 'web-7f9c',
    Namespace: 'prod',
    UID: '0d9f-42',
    Labels: { app: 'web', 'app.kubernetes.io/name': 'web', tier: 'front' },
    Annotations: {},
  },
};
export const podSpec = { $goStruct: 'v1.PodSpec', fields: { ServiceAccountName: 'web-sa', NodeName: 'ip-10-0-0-1' } };
export const nodeSpec = { $goStruct: 'v1.NodeSpec', fields: { ProviderID: 'aws:///us-west-2a/i-0abc' } };
export const sample = {
  $goStruct: 'v1.Sample',
  fields: {
    Str: 'text',
    Num: 2.5,
    Int: { $int: 7 },
    Flag: true,
    List: [1, 'two', null, { k: 'v' }],
    Labels: { b: '2', a: '1' },
    Nested: { $goStruct: 'v1.PodSpec', fields: { ServiceAccountName: 'sa', NodeName: 'n' } },
    Nil: null,
  },
};

/** The seed's data shape, as JSON maps (the command line's model). */
export const seedData = {
  TrustDomain: 'example.org',
  ClusterName: 'prod-eks',
  PodMeta: { Name: 'web-7f9c', Namespace: 'prod', Labels: { app: 'web' }, UID: 'u-1' },
  PodSpec: { ServiceAccountName: 'web-sa', NodeName: 'node-1' },
  NodeMeta: { Name: 'node-1', Labels: { 'topology.kubernetes.io/zone': 'us-west-2a' } },
  NodeSpec: { ProviderID: 'aws:///us-west-2a/i-0abc' },
};

/** The same, as structs (the identity engine's model). */
export const seedStructData = {
  $goStruct: 'v1.TemplateData',
  fields: { TrustDomain: 'example.org', ClusterName: 'prod-eks', PodMeta: podMeta, PodSpec: podSpec },
};
