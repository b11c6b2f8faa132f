// Package registrar holds the reference's copy of the registrar's template data: spire-controller-manager's
// shape (.PodMeta, .PodSpec, .NodeMeta, .NodeSpec are pointers to the Kubernetes types) plus the
// registrar's own fields, in the order src/identity/template-data.ts lists them, so that type names in
// messages ("registrar.TemplateData") agree.
package registrar

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type TemplateData struct {
	TrustDomain     string
	ClusterName     string
	ClusterDomain   string
	ApplicationName string
	AccountID       string
	Region          string
	InstanceID      string
	PodMeta         *metav1.ObjectMeta
	PodSpec         *corev1.PodSpec
	NodeMeta        *metav1.ObjectMeta
	NodeSpec        *corev1.NodeSpec
	Namespace       string
	ServiceAccount  string
}
