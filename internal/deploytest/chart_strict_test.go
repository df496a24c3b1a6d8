package deploytest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// The custom resources the chart renders, declared here with the fields
// the chart uses (from the Prometheus Operator's and Gateway API's CRDs):
// the operator and gateway-api modules would add their client machinery
// to go.mod for three small shapes. Unknown fields fail the decode as they
// do for the Kubernetes types.

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type serviceMonitor struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		Selector  struct{ MatchLabels map[string]string } `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Scheme        string `json:"scheme,omitempty"`
			Interval      string `json:"interval,omitempty"`
			ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
			TLSConfig     *struct {
				InsecureSkipVerify bool `json:"insecureSkipVerify"`
			} `json:"tlsConfig,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type prometheusRule struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert,omitempty"`
				Record      string            `json:"record,omitempty"`
				Expr        string            `json:"expr"`
				For         string            `json:"for,omitempty"`
				Labels      map[string]string `json:"labels,omitempty"`
				Annotations map[string]string `json:"annotations,omitempty"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

type httpRoute struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		ParentRefs []struct {
			Group       string `json:"group,omitempty"`
			Kind        string `json:"kind,omitempty"`
			Name        string `json:"name"`
			Namespace   string `json:"namespace,omitempty"`
			SectionName string `json:"sectionName,omitempty"`
			Port        int32  `json:"port,omitempty"`
		} `json:"parentRefs"`
		Hostnames []string `json:"hostnames,omitempty"`
		Rules     []struct {
			Matches []struct {
				Path struct {
					Type  string `json:"type"`
					Value string `json:"value"`
				} `json:"path"`
			} `json:"matches"`
			BackendRefs []struct {
				Name string `json:"name"`
				Port int32  `json:"port"`
			} `json:"backendRefs"`
		} `json:"rules"`
	} `json:"spec"`
}

// kindTypes maps apiVersion/kind to a new value of its Go type.
var kindTypes = map[string]func() any{
	"v1/ConfigMap":      func() any { return &corev1.ConfigMap{} },
	"v1/Secret":         func() any { return &corev1.Secret{} },
	"v1/Service":        func() any { return &corev1.Service{} },
	"v1/ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"v1/Pod":            func() any { return &corev1.Pod{} },
	"apps/v1/Deployment": func() any {
		return &appsv1.Deployment{}
	},
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":            func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &serviceMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &prometheusRule{} },
	"gateway.networking.k8s.io/v1/HTTPRoute":  func() any { return &httpRoute{} },
}

// TestChartStrictDecode decodes every rendered manifest, with every
// optional object on and with the defaults, into its API type, refusing
// unknown fields: a misspelt or misplaced field, which the API server
// would drop or refuse, fails here.
func TestChartStrictDecode(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for name, args := range map[string][]string{"defaults": nil, "every object": everyObjectArgs} {
		for key, doc := range render(t, args...) {
			apiKind := str(doc, "apiVersion") + "/" + str(doc, "kind")
			newObj, ok := kindTypes[apiKind]
			if !ok {
				t.Errorf("%s: %s renders %s, which this test has no type for", name, key, apiKind)
				continue
			}
			seen[apiKind] = true
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatalf("%s: %s: %v", name, key, err)
			}
			if err := strictDecode(b, newObj()); err != nil {
				t.Errorf("%s: %s does not decode strictly into %s: %v", name, key, apiKind, err)
			}
		}
	}
	var missing []string
	for k := range kindTypes {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("nothing rendered of %s", strings.Join(missing, ", "))
	}
	// The decode is strict: a misspelt field fails it.
	if err := strictDecode([]byte(`{"apiVersion":"v1","kind":"Service","spec":{"prots":[]}}`), &corev1.Service{}); err == nil {
		t.Errorf("a Service with spec.prots decoded")
	}
}

// strictDecode decodes JSON into v, refusing fields v does not have.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
