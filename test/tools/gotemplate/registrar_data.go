package main

import (
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"spire-eks-workload-registrar/test/tools/gotemplate/registrar"
)

func init() {
	// metav1.Time decodes into the local zone; the registrar prints times in UTC, as SCM does in a
	// container without a zone database. The reference pins the zone so that both agree on every machine.
	time.Local = time.UTC
}

// registrarData decodes {"pod": Pod JSON, "node": Node JSON, "cluster": {...}} as client-go does
// (encoding/json into corev1.Pod and corev1.Node) and builds the template data over them.
func registrarData(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var in struct {
		Pod     corev1.Pod  `json:"pod"`
		Node    corev1.Node `json:"node"`
		Cluster struct {
			TrustDomain     string `json:"trustDomain"`
			ClusterName     string `json:"clusterName"`
			ClusterDomain   string `json:"clusterDomain"`
			ApplicationName string `json:"applicationName"`
			AccountID       string `json:"accountId"`
			Region          string `json:"region"`
			InstanceID      string `json:"instanceId"`
		} `json:"cluster"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("$registrarData: %w", err)
	}
	c := in.Cluster
	return registrar.TemplateData{
		TrustDomain:     c.TrustDomain,
		ClusterName:     c.ClusterName,
		ClusterDomain:   c.ClusterDomain,
		ApplicationName: c.ApplicationName,
		AccountID:       c.AccountID,
		Region:          c.Region,
		InstanceID:      c.InstanceID,
		PodMeta:         &in.Pod.ObjectMeta,
		PodSpec:         &in.Pod.Spec,
		NodeMeta:        &in.Node.ObjectMeta,
		NodeSpec:        &in.Node.Spec,
		Namespace:       in.Pod.Namespace,
		ServiceAccount:  in.Pod.Spec.ServiceAccountName,
	}, nil
}
