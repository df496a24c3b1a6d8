package deploytest

import (
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// fullValues sets every setting the chart offers, with a chart Secret and a
// JWT key file.
var fullValues = map[string]any{
	"env": map[string]any{
		"SF_LOGIN_URL": "https://acme.my.salesforce.com", "SF_CLIENT_ID": "3MVG9-client",
		"SF_USERNAME": "integration@acme.example", "SF_API_VERSION": "62.0", "DESCRIBE_TTL": "10m",
		"LOG_LEVEL": "debug", "LOG_FORMAT": "console", "GATEWAY_RATE_LIMIT": "20", "GATEWAY_RATE_BURST": "40",
		"GATEWAY_MAX_BODY_BYTES": "1048576", "GATEWAY_MAX_BATCH_BODY_BYTES": "8388608",
		"GATEWAY_MAX_BUFFERED_BODY_BYTES": "67108864", "GATEWAY_REQUEST_TIMEOUT": "30s", "GATEWAY_CURSOR_TTL": "12h",
		"GATEWAY_SHUTDOWN_TIMEOUT": "1m", "REDIS_KEY_PREFIX": "sfgate-prod:", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318",
		"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
		"OTEL_SERVICE_NAME": "sfgate", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
	},
	"terminationGracePeriodSeconds": 80,
	"secretEnv": map[string]any{
		"SF_CLIENT_SECRET": "s3cr3t", "CACHE_ENCRYPTION_KEY": "UrPARu9lisnyzmrW/tKxo5ritKozQTItsS4PmtjiRvo=",
		"REDIS_URL": "rediss://:pw@redis:6379/0", "GATEWAY_API_KEYS": "billing=0123456789abcdef",
		"GATEWAY_CURSOR_KEY": "Y3Vyc29yLWtleS1jdXJzb3Ita2V5LWN1cnNvci1rZXktIQ==",
	},
	"jwtKey":      map[string]any{"secretName": "sf-jwt", "key": "server.key"},
	"tls":         map[string]any{"secretName": "sfgate-tls"},
	"callersFile": map[string]any{"secretName": "sfgate-callers"},
}

// fullValuesYAML is fullValues as a values file.
var fullValuesYAML = func() string {
	b, err := yaml.Marshal(fullValues)
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// unquotedNumbersYAML is written by hand, not marshalled: the point is YAML
// numbers, unquoted.
const unquotedNumbersYAML = "env:\n  GATEWAY_MAX_BODY_BYTES: 1048576\n  GATEWAY_MAX_BATCH_BODY_BYTES: 33554432\n" +
	"  GATEWAY_RATE_LIMIT: 0.5\n  GATEWAY_RATE_BURST: 100\n  SF_API_VERSION: \"62.0\"\n"

// chartRenderCases are the configurations a user picks: extra arguments, or
// a values file, and what each adds to checkInvariants.
var chartRenderCases = []struct {
	name   string
	args   []string
	values string // a values file's content, passed with -f
	check  func(t *testing.T, m manifests)
}{
	{name: "defaults", check: checkDefaultRender},
	{name: "existingSecret", args: []string{"--set", "existingSecret=sfgate-credentials"}, check: checkExistingSecretRender},
	{name: "every setting, chart Secret and JWT key file", values: fullValuesYAML, check: checkEverySettingRender},
	{name: "autoscaling, network policy and service monitor", args: []string{
		"--set", "autoscaling.enabled=true", "--set", "networkPolicy.enabled=true",
		"--set", "serviceMonitor.enabled=true", "--set", "existingSecret=sfgate-credentials",
	}, check: checkOptionalObjectsRender},
	{name: "numbers written unquoted in a values file", values: unquotedNumbersYAML, check: checkUnquotedNumbersRender},
	{name: "every optional object", args: everyObjectArgs, check: checkEveryObjectRender},
	{name: "image pinned by digest", args: []string{"--set", "image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, check: checkDigestRender},
}

// TestChartRenders renders the chart in the configurations a user picks and
// checks what every one of them must hold, then what each one adds.
func TestChartRenders(t *testing.T) {
	t.Parallel()
	for _, tt := range chartRenderCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if tt.values != "" {
				args = append([]string{"-f", valuesFile(t, tt.values)}, args...)
			}
			m := render(t, args...)
			checkInvariants(t, m)
			tt.check(t, m)
		})
	}
}

// valuesFile writes a values file for one render. Not in t.TempDir(): that
// path carries the subtest's name, commas included, and helm splits -f on
// commas.
func valuesFile(t *testing.T, content string) string {
	t.Helper()
	f, err := os.CreateTemp("", "sfgate-values-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f.Name()) })
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// checkDefaultRender checks the default values: two replicas, the always-on
// objects and none of the optional ones, an empty Secret.
func checkDefaultRender(t *testing.T, m manifests) {
	d := m.one(t, "Deployment")
	if got := num(t, d, "spec", "replicas"); got != 2 {
		t.Errorf("replicas = %d, want 2", got)
	}
	for _, kind := range []string{"Secret", "ConfigMap", "Service", "ServiceAccount", "PodDisruptionBudget"} {
		if !m.has(kind) {
			t.Errorf("no %s rendered", kind)
		}
	}
	for _, kind := range []string{"HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor", "Ingress", "HTTPRoute", "PrometheusRule"} {
		if m.has(kind) {
			t.Errorf("%s rendered though it is off by default", kind)
		}
	}
	if len(obj(m.one(t, "Secret"), "data")) != 0 {
		t.Errorf("the default Secret has data: %v", obj(m.one(t, "Secret"), "data"))
	}
	if got := str(configMap(t, m), "data", "SF_LOGIN_URL"); got != "https://login.salesforce.com" {
		t.Errorf("SF_LOGIN_URL = %q", got)
	}
}

// checkExistingSecretRender checks existingSecret: no chart Secret, every
// secretKeyRef names it, no checksum/secret.
func checkExistingSecretRender(t *testing.T, m manifests) {
	if m.has("Secret") {
		t.Errorf("a Secret is rendered though existingSecret is set")
	}
	for _, e := range list(container(t, m), "env") {
		if got := str(e, "valueFrom", "secretKeyRef", "name"); got != "sfgate-credentials" {
			t.Errorf("%s comes from Secret %q, want sfgate-credentials", str(e, "name"), got)
		}
	}
	if _, ok := obj(m.one(t, "Deployment"), "spec", "template", "metadata", "annotations")["checksum/secret"]; ok {
		t.Errorf("checksum/secret annotation without a chart Secret")
	}
}

// checkEverySettingRender checks every setting with a chart Secret and a JWT
// key file: the ConfigMap and Secret carry exactly the values, and the key
// is mounted read-only from its Secret.
func checkEverySettingRender(t *testing.T, m manifests) {
	cm := obj(configMap(t, m), "data")
	for k, v := range fullValues["env"].(map[string]any) {
		if cm[k] != v {
			t.Errorf("ConfigMap %s = %v, want %v", k, cm[k], v)
		}
	}
	if got := cm["SF_JWT_KEY_FILE"]; got != "/var/run/secrets/sfgate/jwt/server.key" {
		t.Errorf("SF_JWT_KEY_FILE = %v", got)
	}
	data := obj(m.one(t, "Secret"), "data")
	for k, v := range fullValues["secretEnv"].(map[string]any) {
		raw, err := base64.StdEncoding.DecodeString(str(data, k))
		if err != nil || string(raw) != v {
			t.Errorf("Secret %s = %q (%v), want %q", k, raw, err, v)
		}
	}
	spec := obj(m.one(t, "Deployment"), "spec", "template", "spec")
	var mounted bool
	for _, vm := range list(container(t, m), "volumeMounts") {
		if str(vm, "name") == "jwt-key" {
			mounted = get(vm, "readOnly") == true && str(vm, "mountPath") == "/var/run/secrets/sfgate/jwt"
		}
	}
	var fromSecret bool
	for _, v := range list(spec, "volumes") {
		if str(v, "name") == "jwt-key" {
			fromSecret = str(v, "secret", "secretName") == "sf-jwt" && str(v, "secret", "items", 0, "path") == "server.key"
		}
	}
	if !mounted || !fromSecret {
		t.Errorf("JWT key: mounted read-only = %v, from Secret sf-jwt as server.key = %v", mounted, fromSecret)
	}
	checkTLSRender(t, m, cm, spec)
	checkCallersFileRender(t, m, cm)
}

// checkTLSRender checks the TLS Secret: mounted read-only, the gateway
// pointed at its files, and the probes speaking HTTPS.
func checkTLSRender(t *testing.T, m manifests, cm, spec map[string]any) {
	if cm["GATEWAY_TLS_CERT_FILE"] != "/var/run/secrets/sfgate/tls/tls.crt" || cm["GATEWAY_TLS_KEY_FILE"] != "/var/run/secrets/sfgate/tls/tls.key" {
		t.Errorf("TLS files = %v, %v", cm["GATEWAY_TLS_CERT_FILE"], cm["GATEWAY_TLS_KEY_FILE"])
	}
	var mounted, fromSecret bool
	for _, vm := range list(container(t, m), "volumeMounts") {
		if str(vm, "name") == "tls" {
			mounted = get(vm, "readOnly") == true && str(vm, "mountPath") == "/var/run/secrets/sfgate/tls"
		}
	}
	for _, v := range list(spec, "volumes") {
		if str(v, "name") == "tls" {
			fromSecret = str(v, "secret", "secretName") == "sfgate-tls"
		}
	}
	if !mounted || !fromSecret {
		t.Errorf("TLS Secret: mounted read-only = %v, from Secret sfgate-tls = %v", mounted, fromSecret)
	}
	for _, probe := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		if got := str(container(t, m), probe, "httpGet", "scheme"); got != "HTTPS" {
			t.Errorf("%s scheme %q with TLS on, want HTTPS", probe, got)
		}
	}
}

// checkCallersFileRender: the callers file is a directory mount of its
// Secret (a subPath mount would never see the Secret change), and
// GATEWAY_CALLERS_FILE points into it.
func checkCallersFileRender(t *testing.T, m manifests, cm map[string]any) {
	if got := cm["GATEWAY_CALLERS_FILE"]; got != "/var/run/secrets/sfgate/callers/callers.yaml" {
		t.Errorf("GATEWAY_CALLERS_FILE = %v", got)
	}
	var mounted bool
	for _, vm := range list(container(t, m), "volumeMounts") {
		if str(vm, "name") == "callers" {
			mounted = get(vm, "readOnly") == true && str(vm, "mountPath") == "/var/run/secrets/sfgate/callers" && get(vm, "subPath") == nil
		}
	}
	var fromSecret bool
	for _, v := range list(obj(m.one(t, "Deployment"), "spec", "template", "spec"), "volumes") {
		if str(v, "name") == "callers" {
			fromSecret = str(v, "secret", "secretName") == "sfgate-callers" && str(v, "secret", "items", 0, "path") == "callers.yaml"
		}
	}
	if !mounted || !fromSecret {
		t.Errorf("callers file: mounted read-only without subPath = %v, from Secret sfgate-callers = %v", mounted, fromSecret)
	}
}

// checkOptionalObjectsRender checks the HPA (owning the replicas), the
// ServiceMonitor and the NetworkPolicy, each pointing at the gateway.
func checkOptionalObjectsRender(t *testing.T, m manifests) {
	d := m.one(t, "Deployment")
	if get(d, "spec", "replicas") != nil {
		t.Errorf("replicas set though the HPA owns them")
	}
	hpa := m.one(t, "HorizontalPodAutoscaler")
	if str(hpa, "spec", "scaleTargetRef", "name") != str(d, "metadata", "name") || num(t, hpa, "spec", "minReplicas") < 2 {
		t.Errorf("HPA spec = %v", get(hpa, "spec"))
	}
	sm := m.one(t, "ServiceMonitor")
	if str(sm, "spec", "endpoints", 0, "path") != "/metrics" || str(sm, "spec", "endpoints", 0, "port") != "http" {
		t.Errorf("ServiceMonitor endpoints = %v", get(sm, "spec", "endpoints"))
	}
	checkSelects(t, "ServiceMonitor", obj(sm, "spec", "selector", "matchLabels"), obj(m.one(t, "Service"), "metadata", "labels"))
	np := m.one(t, "NetworkPolicy")
	checkSelects(t, "NetworkPolicy", obj(np, "spec", "podSelector", "matchLabels"), podLabels(t, m))
	if get(np, "spec", "ingress", 0, "ports", 0, "port") != "http" {
		t.Errorf("NetworkPolicy ingress = %v", get(np, "spec", "ingress"))
	}
}

// checkEveryObjectRender checks that every optional object is rendered.
func checkEveryObjectRender(t *testing.T, m manifests) {
	for _, kind := range []string{"HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor", "Ingress", "HTTPRoute", "PrometheusRule"} {
		if !m.has(kind) {
			t.Errorf("no %s rendered", kind)
		}
	}
	if m["ConfigMap/"+release+"-sfgate-dashboard"] == nil {
		t.Errorf("no dashboard ConfigMap rendered")
	}
}

// checkUnquotedNumbersRender checks numbers written unquoted in a values
// file reach the ConfigMap as the same digits, not in float notation.
func checkUnquotedNumbersRender(t *testing.T, m manifests) {
	cm := obj(configMap(t, m), "data")
	for k, want := range map[string]string{
		"GATEWAY_MAX_BODY_BYTES": "1048576", "GATEWAY_MAX_BATCH_BODY_BYTES": "33554432",
		"GATEWAY_RATE_LIMIT": "0.5", "GATEWAY_RATE_BURST": "100", "SF_API_VERSION": "62.0",
	} {
		if cm[k] != want {
			t.Errorf("ConfigMap %s = %#v, want %q", k, cm[k], want)
		}
	}
}

// checkDigestRender checks an image pinned by digest is used by digest.
func checkDigestRender(t *testing.T, m manifests) {
	want := "ghcr.io/sfgate/gateway@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if got := str(container(t, m), "image"); got != want {
		t.Errorf("image = %q, want %q", got, want)
	}
}

// checkInvariants holds for every configuration of the chart.
func checkInvariants(t *testing.T, m manifests) {
	t.Helper()
	c := container(t, m)
	checkEnvWiring(t, m, c)
	checkPortAndProbes(t, m, c)
	checkImage(t, c)
	checkPodSecurity(t, m, c)
	checkDraining(t, m, c)
}

// checkEnvWiring: every variable the pod gets is one the gateway reads, and
// the confidential ones come only from a Secret.
func checkEnvWiring(t *testing.T, m manifests, c map[string]any) {
	t.Helper()
	known := gatewayEnv(t)
	cm := configMap(t, m)
	cmData := obj(cm, "data")
	for _, ef := range list(c, "envFrom") {
		if get(ef, "secretRef") != nil {
			t.Errorf("envFrom secretRef imports unnamed variables: %v", ef)
		}
		if name := str(ef, "configMapRef", "name"); name != str(cm, "metadata", "name") {
			t.Errorf("envFrom ConfigMap %q is not the chart's %q", name, str(cm, "metadata", "name"))
		}
	}
	for k, v := range cmData {
		if !known[k] {
			t.Errorf("ConfigMap sets %s, which the gateway does not read", k)
		}
		if slices.Contains(secretEnv, k) {
			t.Errorf("ConfigMap carries confidential %s", k)
		}
		if s, ok := v.(string); !ok || s == "" {
			t.Errorf("ConfigMap %s = %#v, want a non-empty string", k, v)
		}
	}
	secretName := ""
	if s := m["Secret/"+release+"-sfgate"]; s != nil {
		secretName = str(s, "metadata", "name")
		for k := range obj(s, "data") {
			if !slices.Contains(secretEnv, k) {
				t.Errorf("Secret carries %s, which is not confidential", k)
			}
		}
	}
	fromSecret := map[string]bool{}
	for _, e := range list(c, "env") {
		name := str(e, "name")
		if !known[name] {
			t.Errorf("env sets %s, which the gateway does not read", name)
		}
		if _, ok := cmData[name]; ok {
			t.Errorf("%s is set both in env and in the ConfigMap", name)
		}
		ref := obj(e, "valueFrom", "secretKeyRef")
		if slices.Contains(secretEnv, name) {
			if ref == nil || get(e, "value") != nil {
				t.Errorf("confidential %s is not taken from a Secret: %v", name, e)
			}
			fromSecret[name] = true
		}
		// optional: false marks a reference named in secretKeyRefs, which
		// points at another Secret's own key.
		explicit := ref != nil && get(ref, "optional") == false
		if ref != nil && !explicit && str(ref, "key") != name {
			t.Errorf("%s reads Secret key %q; the Secret's keys are the variable names", name, str(ref, "key"))
		}
		if ref != nil && !explicit && secretName != "" && str(ref, "name") != secretName {
			t.Errorf("%s reads Secret %q, the chart renders %q", name, str(ref, "name"), secretName)
		}
	}
	for _, k := range secretEnv {
		if !fromSecret[k] {
			t.Errorf("confidential %s is not wired from the Secret", k)
		}
	}
}

// checkPortAndProbes: one port, named http, is what GATEWAY_ADDR listens on
// and what the probes, the Service and the image's EXPOSE use.
func checkPortAndProbes(t *testing.T, m manifests, c map[string]any) {
	t.Helper()
	d := m.one(t, "Deployment")
	cmData := obj(configMap(t, m), "data")
	ports := list(c, "ports")
	if len(ports) != 1 || str(ports[0], "name") != "http" {
		t.Fatalf("container ports = %v, want one named http", ports)
	}
	port := num(t, ports[0], "containerPort")
	_, addrPort, err := net.SplitHostPort(str(cmData, "GATEWAY_ADDR"))
	if err != nil || addrPort != strconv.Itoa(port) {
		t.Errorf("GATEWAY_ADDR %q does not listen on containerPort %d", str(cmData, "GATEWAY_ADDR"), port)
	}
	if exposed := dockerfileExpose(t, "gateway"); exposed != port {
		t.Errorf("containerPort %d, Dockerfile EXPOSE %d", port, exposed)
	}
	for probe, path := range map[string]string{"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if got := str(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path = %q, want %q", probe, got, path)
		}
		if got := get(c, probe, "httpGet", "port"); got != "http" {
			t.Errorf("%s port = %v, want http", probe, got)
		}
	}
	svc := m.one(t, "Service")
	if get(svc, "spec", "ports", 0, "targetPort") != "http" {
		t.Errorf("Service targetPort = %v, want http", get(svc, "spec", "ports", 0, "targetPort"))
	}
	checkSelects(t, "Service", obj(svc, "spec", "selector"), podLabels(t, m))
	checkSelects(t, "Deployment", obj(d, "spec", "selector", "matchLabels"), podLabels(t, m))
	if pdb := m["PodDisruptionBudget/"+release+"-sfgate"]; pdb != nil {
		checkSelects(t, "PodDisruptionBudget", obj(pdb, "spec", "selector", "matchLabels"), podLabels(t, m))
	}
}

// checkImage: the image is the chart's, at its appVersion or a digest.
func checkImage(t *testing.T, c map[string]any) {
	t.Helper()
	img := str(c, "image")
	if !strings.HasPrefix(img, "ghcr.io/sfgate/gateway:") && !strings.HasPrefix(img, "ghcr.io/sfgate/gateway@sha256:") {
		t.Errorf("image = %q", img)
	}
	if strings.Contains(img, ":") && !strings.Contains(img, "@") && !strings.HasSuffix(img, ":"+chartAppVersion(t)) {
		t.Errorf("image %q is not tagged with the chart's appVersion %s", img, chartAppVersion(t))
	}
}

// checkPodSecurity: non-root, read-only, no privileges, no token, bounded
// resources.
func checkPodSecurity(t *testing.T, m manifests, c map[string]any) {
	t.Helper()
	pod := obj(m.one(t, "Deployment"), "spec", "template", "spec")
	for path, want := range map[string]any{
		"securityContext.runAsNonRoot": true, "securityContext.readOnlyRootFilesystem": true,
		"securityContext.allowPrivilegeEscalation": false, "securityContext.capabilities.drop.0": "ALL",
	} {
		var p []any
		for _, s := range strings.Split(path, ".") {
			if n, err := strconv.Atoi(s); err == nil {
				p = append(p, n)
			} else {
				p = append(p, s)
			}
		}
		if got := get(c, p...); got != want {
			t.Errorf("container %s = %v, want %v", path, got, want)
		}
	}
	if get(pod, "securityContext", "runAsNonRoot") != true || num(t, pod, "securityContext", "runAsUser") == 0 {
		t.Errorf("pod securityContext = %v", get(pod, "securityContext"))
	}
	if get(pod, "automountServiceAccountToken") != false {
		t.Errorf("the pod mounts a service account token it never uses")
	}
	if sa := str(pod, "serviceAccountName"); !m.has("ServiceAccount") || m["ServiceAccount/"+sa] == nil {
		t.Errorf("serviceAccountName %q is not rendered", sa)
	}
	if get(c, "resources", "requests", "cpu") == nil || get(c, "resources", "requests", "memory") == nil || get(c, "resources", "limits", "memory") == nil {
		t.Errorf("resources = %v, want cpu and memory requests and a memory limit", get(c, "resources"))
	}
}

// minShutdownMargin is the least slack the chart's defaults leave in the
// grace period after draining and the final span flush.
const minShutdownMargin = 5 * time.Second

// checkDraining: draining fits in the grace period (the preStop sleep, the
// gateway's own shutdown timeout, the final span flush, and a margin), and a
// rolling update never takes a pod down before its replacement is ready.
func checkDraining(t *testing.T, m manifests, c map[string]any) {
	t.Helper()
	d := m.one(t, "Deployment")
	pod := obj(d, "spec", "template", "spec")
	cmData := obj(configMap(t, m), "data")
	shutdown := 25 * time.Second
	if s, ok := cmData["GATEWAY_SHUTDOWN_TIMEOUT"].(string); ok {
		var err error
		if shutdown, err = time.ParseDuration(s); err != nil {
			t.Errorf("GATEWAY_SHUTDOWN_TIMEOUT %q: %v", s, err)
		}
	}
	flush := 10 * time.Second
	if s, ok := cmData["OTEL_EXPORTER_OTLP_TIMEOUT"].(string); ok {
		ms, err := strconv.Atoi(s)
		if err != nil {
			t.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT %q: %v", s, err)
		}
		flush = time.Duration(ms) * time.Millisecond
	}
	sleep := time.Duration(num(t, c, "lifecycle", "preStop", "sleep", "seconds")) * time.Second
	grace := time.Duration(num(t, pod, "terminationGracePeriodSeconds")) * time.Second
	if sleep <= 0 || grace < sleep+shutdown+flush+minShutdownMargin {
		t.Errorf("terminationGracePeriodSeconds %s is less than preStop %s + GATEWAY_SHUTDOWN_TIMEOUT %s + tracing flush %s + margin %s", grace, sleep, shutdown, flush, minShutdownMargin)
	}
	if get(d, "spec", "strategy", "rollingUpdate", "maxUnavailable") != 0 {
		t.Errorf("rolling update may take pods down before new ones are ready: %v", get(d, "spec", "strategy"))
	}
}

// configMap is the chart's ConfigMap of settings (the dashboard has one
// too).
func configMap(t *testing.T, m manifests) map[string]any {
	t.Helper()
	cm := m["ConfigMap/"+release+"-sfgate"]
	if cm == nil {
		t.Fatalf("no ConfigMap %s-sfgate (have %v)", release, m.keys())
	}
	return cm
}

func container(t *testing.T, m manifests) map[string]any {
	t.Helper()
	cs := list(m.one(t, "Deployment"), "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("%d containers, want 1", len(cs))
	}
	return cs[0].(map[string]any)
}

func podLabels(t *testing.T, m manifests) map[string]any {
	t.Helper()
	return obj(m.one(t, "Deployment"), "spec", "template", "metadata", "labels")
}

// checkSelects fails unless the selector is non-empty and matches labels.
func checkSelects(t *testing.T, what string, selector, labels map[string]any) {
	t.Helper()
	if len(selector) == 0 {
		t.Errorf("%s has an empty selector", what)
	}
	for k, v := range selector {
		if labels[k] != v {
			t.Errorf("%s selects %s=%v; the labels have %v", what, k, v, labels[k])
		}
	}
}

func chartAppVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AppVersion string `yaml:"appVersion"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil || c.AppVersion == "" {
		t.Fatalf("Chart.yaml appVersion: %q, %v", c.AppVersion, err)
	}
	return c.AppVersion
}

// TestChartCoversGatewaySettings checks that values.yaml and the gateway
// name the same settings: every variable the gateway reads is an `env` key
// or a `secretKeys` entry (or set by the chart itself), and every one of
// those is read by the gateway. The standard OTEL_* variables are many;
// values.yaml lists the usual ones and any other may be added to `env`.
func TestChartCoversGatewaySettings(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values struct {
		Env        map[string]any `yaml:"env"`
		SecretKeys []string       `yaml:"secretKeys"`
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	// Set from containerPort, jwtKey, tls and callersFile.
	inChart := map[string]bool{"GATEWAY_ADDR": true, "SF_JWT_KEY_FILE": true, "GATEWAY_TLS_CERT_FILE": true, "GATEWAY_TLS_KEY_FILE": true, "GATEWAY_CALLERS_FILE": true}
	for k := range values.Env {
		inChart[k] = true
	}
	for _, k := range values.SecretKeys {
		inChart[k] = true
	}
	known := gatewayEnv(t)
	for k := range known {
		if !inChart[k] && !strings.HasPrefix(k, "OTEL_") {
			t.Errorf("the gateway reads %s, which values.yaml has neither in env nor in secretKeys", k)
		}
	}
	for k := range inChart {
		if !known[k] {
			t.Errorf("values.yaml names %s, which the gateway does not read", k)
		}
	}
	if !slices.Equal(values.SecretKeys, secretEnv) {
		t.Errorf("secretKeys = %v, want the confidential variables %v", values.SecretKeys, secretEnv)
	}
}

// TestChartRefuses checks that values which would deploy a broken or unsafe
// gateway fail the render with a message naming the value.
func TestChartRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"GATEWAY_ADDR set directly", []string{"--set", "env.GATEWAY_ADDR=:9090"}, "set containerPort instead"},
		{"SF_JWT_KEY_FILE set directly", []string{"--set", "env.SF_JWT_KEY_FILE=/key.pem"}, "set jwtKey.secretName instead"},
		{"TLS files set directly", []string{"--set", "env.GATEWAY_TLS_CERT_FILE=/tls.crt"}, "set tls.secretName instead"},
		{"GATEWAY_CALLERS_FILE set directly", []string{"--set", "env.GATEWAY_CALLERS_FILE=/c.yaml"}, "set callersFile.secretName instead"},
		{"a secret in the ConfigMap", []string{"--set", "env.SF_CLIENT_SECRET=s3cr3t"}, "env.SF_CLIENT_SECRET is confidential"},
		{"secretEnv with existingSecret", []string{"--set", "existingSecret=x", "--set", "secretEnv.SF_PASSWORD=p"}, "secretEnv must be empty"},
		{"secretEnv key not in secretKeys", []string{"--set", "secretEnv.SF_LOGIN_URL=x"}, "secretEnv.SF_LOGIN_URL is not listed in secretKeys"},
		{"grace period too short for draining", []string{"--set", "terminationGracePeriodSeconds=30"}, "must be at least preStopSleepSeconds (5) + GATEWAY_SHUTDOWN_TIMEOUT (25s)"},
		{"the old 40 s grace period, with no margin", []string{"--set", "terminationGracePeriodSeconds=40"}, "+ shutdownMarginSeconds (5) = 45"},
		{"longer shutdown without a longer grace period", []string{"--set", "env.GATEWAY_SHUTDOWN_TIMEOUT=1m"}, "must be at least preStopSleepSeconds"},
		{"longer tracing flush without a longer grace period", []string{"--set", "env.OTEL_EXPORTER_OTLP_TIMEOUT=20000"}, "the tracing flush (OTEL_EXPORTER_OTLP_TIMEOUT, 20s)"},
		{"tracing flush timeout helm cannot read", []string{"--set", "env.OTEL_EXPORTER_OTLP_TIMEOUT=10s"}, "/env/OTEL_EXPORTER_OTLP_TIMEOUT"},
		{"HTTPRoute without a Gateway", []string{"--set", "httpRoute.enabled=true"}, "httpRoute.parentRefs must name the Gateway"},
		{"secretKeyRefs for a variable that is not confidential", []string{"--set", "secretKeyRefs.SF_LOGIN_URL.name=x", "--set", "secretKeyRefs.SF_LOGIN_URL.key=y"}, "secretKeyRefs.SF_LOGIN_URL is not listed in secretKeys"},
		{"shutdown timeout helm cannot read", []string{"--set", "env.GATEWAY_SHUTDOWN_TIMEOUT=2500ms"}, "use h, m and s parts"},
		{"profiles without their listener", []string{"--set", "env.GATEWAY_PPROF=true"}, "env.GATEWAY_PPROF needs env.GATEWAY_METRICS_ADDR"},
		{"one replica", []string{"--set", "replicaCount=1"}, "replicaCount must be at least 2"},
		{"autoscaling down to one", []string{"--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=1"}, "minReplicas must be at least 2"},
		{"egress restricted without rules", []string{"--set", "networkPolicy.enabled=true", "--set", "networkPolicy.restrictEgress=true"}, "needs networkPolicy.egress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"template", release, chartDir, "--kube-version", minKube}, tt.args...)
			_, stderr, err := helm(t, args...)
			if err == nil || !strings.Contains(stderr, tt.want) {
				t.Errorf("helm template %v: err %v, stderr %q; want a failure saying %q", tt.args, err, stderr, tt.want)
			}
		})
	}
	t.Run("Kubernetes older than 1.30", func(t *testing.T) {
		t.Parallel()
		_, stderr, err := helm(t, "template", release, chartDir, "--kube-version", "1.29.0")
		if err == nil || !strings.Contains(stderr, "kubeVersion") {
			t.Errorf("helm template for 1.29: err %v, stderr %q; want the kubeVersion constraint to refuse it", err, stderr)
		}
	})
}

// TestChartLints runs helm lint --strict (schema of Chart.yaml, template
// errors, YAML that Kubernetes would reject as malformed).
func TestChartLints(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"--set", "existingSecret=x", "--set", "autoscaling.enabled=true", "--set", "networkPolicy.enabled=true", "--set", "serviceMonitor.enabled=true"}, everyObjectArgs} {
		out, stderr, err := helm(t, append([]string{"lint", "--strict", chartDir, "--kube-version", minKube}, args...)...)
		if err != nil {
			t.Errorf("helm lint --strict %v: %v\n%s%s", args, err, out, stderr)
		}
	}
}
