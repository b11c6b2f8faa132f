// Package v1 mirrors the Kubernetes struct types that the identity engine presents to templates, so that
// the reference renders the same type names in its messages ("can't evaluate field X in type v1.ObjectMeta").
// Only the fields the registrar fills are declared, in the order the TypeScript side lists them.
package v1

type ObjectMeta struct {
	Name        string
	Namespace   string
	UID         string
	Labels      map[string]string
	Annotations map[string]string
}

type PodSpec struct {
	ServiceAccountName string
	NodeName           string
}

type NodeSpec struct {
	ProviderID string
}

// TemplateData is the shape of the identity engine's top-level template data, used by the benchmark.
type TemplateData struct {
	TrustDomain string
	ClusterName string
	PodMeta     ObjectMeta
	PodSpec     PodSpec
}

// Sample holds one field of each kind a struct field can have in the TypeScript value model.
type Sample struct {
	Str    string
	Num    float64
	Int    int
	Flag   bool
	List   []any
	Labels map[string]string
	Nested PodSpec
	Nil    any
}
