package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// everyObjectArgs turns on every optional object the chart renders.
var everyObjectArgs = []string{
	"--set", "existingSecret=sfgate-credentials",
	"--set", "autoscaling.enabled=true", "--set", "networkPolicy.enabled=true", "--set", "serviceMonitor.enabled=true",
	"--set", "ingress.enabled=true", "--set", "ingress.className=nginx", "--set", "ingress.tlsSecretName=sfgate-public-tls",
	"--set", "ingress.annotations.cert-manager\\.io/cluster-issuer=letsencrypt",
	"--set", "httpRoute.enabled=true", "--set", "httpRoute.parentRefs[0].name=public",
	"--set", "httpRoute.parentRefs[0].namespace=gateway-system", "--set", "httpRoute.parentRefs[0].sectionName=https",
	"--set", "prometheusRule.enabled=true", "--set", "dashboard.enabled=true",
	"--set", "secretKeyRefs.REDIS_URL.name=redis-connection", "--set", "secretKeyRefs.REDIS_URL.key=url",
	"--set", "jwtKey.secretName=sf-jwt", "--set", "tls.secretName=sfgate-tls", "--set", "callersFile.secretName=sfgate-callers",
}

// alertNames are the alerts the PrometheusRule must carry.
var alertNames = []string{
	"SfgateSalesforceAPIAllowanceHigh", "SfgateSalesforceAPIAllowanceCritical", "SfgateSalesforceLoginFailures",
	"SfgateSalesforceErrorRatio", "SfgateRedisDown",
}

// gatewayMetrics are the metric families the alerts and the dashboard may
// use (issue 10's names, built by the gateway's metrics).
var gatewayMetrics = []string{
	"sfgate_salesforce_calls_total", "sfgate_salesforce_call_duration_seconds_bucket", "sfgate_salesforce_api_requests_used",
	"sfgate_salesforce_api_requests_limit", "sfgate_salesforce_logins_total", "sfgate_cache_lookups_total",
	"sfgate_redis_up", "sfgate_salesforce_inflight_calls", "sfgate_retries_total",
}

// TestChartIngress: enabling the Ingress alone renders one for the default
// host, routed to the Service's http port; class, annotations and TLS
// follow the values.
func TestChartIngress(t *testing.T) {
	t.Parallel()
	m := render(t, "--set", "ingress.enabled=true")
	ing := m.one(t, "Ingress")
	svc := m.one(t, "Service")
	if str(ing, "spec", "rules", 0, "host") != "sfgate.example.com" || get(ing, "spec", "tls") != nil || get(ing, "spec", "ingressClassName") != nil {
		t.Errorf("default Ingress spec = %v", get(ing, "spec"))
	}
	backend := obj(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service")
	if str(backend, "name") != str(svc, "metadata", "name") || str(backend, "port", "name") != str(svc, "spec", "ports", 0, "name") {
		t.Errorf("Ingress backend %v is not the Service's port %v", backend, get(svc, "spec", "ports", 0))
	}

	m = render(t, everyObjectArgs...)
	ing = m.one(t, "Ingress")
	if str(ing, "spec", "ingressClassName") != "nginx" || str(ing, "metadata", "annotations", "cert-manager.io/cluster-issuer") != "letsencrypt" {
		t.Errorf("Ingress class %v, annotations %v", get(ing, "spec", "ingressClassName"), get(ing, "metadata", "annotations"))
	}
	if str(ing, "spec", "tls", 0, "secretName") != "sfgate-public-tls" || str(ing, "spec", "tls", 0, "hosts", 0) != "sfgate.example.com" {
		t.Errorf("Ingress tls = %v", get(ing, "spec", "tls"))
	}
	route := m.one(t, "HTTPRoute")
	if str(route, "spec", "parentRefs", 0, "name") != "public" || str(route, "spec", "parentRefs", 0, "sectionName") != "https" ||
		str(route, "spec", "hostnames", 0) != "sfgate.example.com" {
		t.Errorf("HTTPRoute spec = %v", get(route, "spec"))
	}
	ref := obj(route, "spec", "rules", 0, "backendRefs", 0)
	if str(ref, "name") != str(svc, "metadata", "name") || get(ref, "port") != get(svc, "spec", "ports", 0, "port") {
		t.Errorf("HTTPRoute backend %v is not the Service's port %v", ref, get(svc, "spec", "ports", 0))
	}
}

// TestChartSchema: values.schema.json refuses wrong types and malformed
// quantities at lint and at render; the defaults pass (TestChartLints).
// Every object in the schema that lists properties refuses others, so a
// value added to values.yaml without a schema entry fails lint.
func TestChartSchema(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ set, want string }{
		{"replicaCount=two", "/replicaCount"},
		{"resources.limits.memory=lots", "/resources/limits/memory"},
		{"ingress.hosts[0].paths[0].pathType=Everything", "/ingress/hosts/0/paths/0/pathType"},
		{"prometheusRule.apiAllowanceWarning=80", "/prometheusRule/apiAllowanceWarning"},
		{"topologySpread.whenUnsatisfiable=Sometimes", "/topologySpread/whenUnsatisfiable"},
		{"prometheusRule.redisDownFor=1.5m", "/prometheusRule/redisDownFor"},
		{"ingres.enabled=true", "ingres"},
	} {
		for _, cmd := range []string{"lint", "template"} {
			out, stderr, err := helm(t, cmd, chartDir, "--kube-version", minKube, "--set", tt.set)
			if err == nil || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("helm %s --set %s: err %v, output %q; want a schema failure at %s", cmd, tt.set, err, out+stderr, tt.want)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if props := obj(s, "properties"); props != nil {
			if s["additionalProperties"] != false && path != "/env" {
				t.Errorf("schema %s lists properties but allows others", path)
			}
			for k, v := range props {
				if sub, ok := v.(map[string]any); ok {
					walk(path+"/"+k, sub)
				}
			}
		}
	}
	walk("", schema)
}

// TestChartDefaultKubeVersion: `helm template` with helm's own default
// Kubernetes version (no --kube-version) satisfies the chart's kubeVersion.
func TestChartDefaultKubeVersion(t *testing.T) {
	t.Parallel()
	if _, stderr, err := helm(t, "template", release, chartDir, "--set", "ingress.enabled=true"); err != nil {
		t.Errorf("helm template with helm's default Kubernetes version: %v\n%s", err, stderr)
	}
}

// TestChartScheduling: the HPA's behaviour, the spread over zones and nodes.
func TestChartScheduling(t *testing.T) {
	t.Parallel()
	m := render(t, "--set", "autoscaling.enabled=true")
	hpa := m.one(t, "HorizontalPodAutoscaler")
	if num(t, hpa, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds") < 60 || str(hpa, "spec", "behavior", "scaleDown", "policies", 0, "type") != "Pods" {
		t.Errorf("HPA behavior = %v", get(hpa, "spec", "behavior"))
	}
	spec := obj(m.one(t, "Deployment"), "spec", "template", "spec")
	var keys []string
	for _, c := range list(spec, "topologySpreadConstraints") {
		keys = append(keys, str(c, "topologyKey"))
		checkSelects(t, "topologySpreadConstraint "+str(c, "topologyKey"), obj(c, "labelSelector", "matchLabels"), podLabels(t, m))
		if str(c, "matchLabelKeys", 0) != "pod-template-hash" {
			t.Errorf("spread over %s counts pods of other ReplicaSets: %v", str(c, "topologyKey"), c)
		}
	}
	if !slices.Equal(keys, []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"}) {
		t.Errorf("topology spread keys = %v, want zone then hostname", keys)
	}
}

// TestChartRollout: a change of the chart's Secret or ConfigMap changes the
// pod template (so the Deployment rolls); podAnnotations, the lever for an
// existingSecret, reach the pod template.
func TestChartRollout(t *testing.T) {
	t.Parallel()
	annotations := func(args ...string) map[string]any {
		return obj(render(t, args...).one(t, "Deployment"), "spec", "template", "metadata", "annotations")
	}
	base := annotations("--set", "secretEnv.SF_CLIENT_SECRET=a")
	if a := annotations("--set", "secretEnv.SF_CLIENT_SECRET=b"); a["checksum/secret"] == base["checksum/secret"] || a["checksum/config"] != base["checksum/config"] {
		t.Errorf("changing the Secret: checksums %v, before %v", a, base)
	}
	if a := annotations("--set", "secretEnv.SF_CLIENT_SECRET=a", "--set", "env.LOG_LEVEL=debug"); a["checksum/config"] == base["checksum/config"] {
		t.Errorf("changing the ConfigMap left checksum/config at %v", a["checksum/config"])
	}
	if a := annotations("--set", "existingSecret=creds", "--set-string", "podAnnotations.sfgate\\.io/secret-revision=2"); a["sfgate.io/secret-revision"] != "2" {
		t.Errorf("podAnnotations not on the pod template: %v", a)
	}
}

// TestChartExternalRedis: REDIS_URL from another Secret's key, Sentinel
// through env, its passwords from the Secret.
func TestChartExternalRedis(t *testing.T) {
	t.Parallel()
	m := render(t, "--set", "existingSecret=creds", "--set", "secretKeyRefs.REDIS_URL.name=redis-connection",
		"--set", "secretKeyRefs.REDIS_URL.key=url", "--set", "env.REDIS_SENTINEL_MASTER=mymaster",
		"--set", "env.REDIS_SENTINEL_ADDRS=sentinel-0:26379\\,sentinel-1:26379")
	refs := map[string]map[string]any{}
	for _, e := range list(container(t, m), "env") {
		refs[str(e, "name")] = obj(e, "valueFrom", "secretKeyRef")
	}
	if r := refs["REDIS_URL"]; str(r, "name") != "redis-connection" || str(r, "key") != "url" || get(r, "optional") != false {
		t.Errorf("REDIS_URL secretKeyRef = %v", r)
	}
	for _, k := range []string{"REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD"} {
		if r := refs[k]; str(r, "name") != "creds" || str(r, "key") != k {
			t.Errorf("%s secretKeyRef = %v", k, r)
		}
	}
	cm := obj(configMap(t, m), "data")
	if cm["REDIS_SENTINEL_MASTER"] != "mymaster" || cm["REDIS_SENTINEL_ADDRS"] != "sentinel-0:26379,sentinel-1:26379" {
		t.Errorf("Sentinel settings in the ConfigMap: %v, %v", cm["REDIS_SENTINEL_MASTER"], cm["REDIS_SENTINEL_ADDRS"])
	}
}

// promtool returns Debian's promtool (package prometheus, which ./test.sh
// installs).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is needed to check the alert rules: apt-get install prometheus (./test.sh does)")
	}
	return p
}

// writeTemp writes content to a new file in t's temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runPromtool runs promtool, failing the test with its output.
func runPromtool(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

var metricName = regexp.MustCompile(`\bsfgate_[a-z_]+`)

// TestChartAlerts: the PrometheusRule's groups pass `promtool check rules`,
// use only the gateway's metric names, and fire (and stay quiet) as meant
// on synthetic series (`promtool test rules`).
func TestChartAlerts(t *testing.T) {
	t.Parallel()
	rule := render(t, "--set", "prometheusRule.enabled=true").one(t, "PrometheusRule")
	groups, err := yaml.Marshal(map[string]any{"groups": get(rule, "spec", "groups")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	annotations := map[string]string{}
	for _, g := range list(rule, "spec", "groups") {
		for _, r := range list(g, "rules") {
			names = append(names, str(r, "alert"))
			a, err := json.Marshal(get(r, "annotations"))
			if err != nil {
				t.Fatal(err)
			}
			annotations[str(r, "alert")] = string(a)
			for _, m := range metricName.FindAllString(str(r, "expr"), -1) {
				if !slices.Contains(gatewayMetrics, m) {
					t.Errorf("alert %s uses %s, which the gateway does not export", str(r, "alert"), m)
				}
			}
		}
	}
	if !slices.Equal(names, alertNames) {
		t.Errorf("alerts = %v, want %v", names, alertNames)
	}
	rules := writeTemp(t, "rules.yaml", string(groups))
	runPromtool(t, "check", "rules", rules)
	runPromtool(t, "test", "rules", writeTemp(t, "rules_test.yaml", alertTests(rules, annotations)))
}

// alertTests is a promtool unit test of the rendered rules (annotations:
// each alert's, as JSON): 85% of the
// allowance fires the warning only, 96% both; failed logins, 10% failed
// calls and Redis down each fire their alert; healthy series fire none.
func alertTests(rules string, annotations map[string]string) string {
	const sel = `namespace="sfgate", job="demo-sfgate", pod="p1"`
	series := func(metric, labels, values string) string {
		return "      - series: '" + metric + "{" + sel + labels + "}'\n        values: '" + values + "'\n"
	}
	alert := func(name string, at string, firing bool) string {
		s := "      - eval_time: " + at + "\n        alertname: " + name + "\n        exp_alerts:"
		if !firing {
			return s + " []\n"
		}
		return s + "\n          - exp_labels: {namespace: sfgate, job: demo-sfgate, severity: " + severity[name] + podLabel[name] + "}\n" +
			"            exp_annotations: " + annotations[name] + "\n"
	}
	var b strings.Builder
	b.WriteString("rule_files: ['" + rules + "']\nevaluation_interval: 1m\ntests:\n")
	// Firing: allowance at 85% then 96%, logins failing, 10% of calls failing, Redis down.
	b.WriteString("  - interval: 1m\n    input_series:\n")
	b.WriteString(series("sfgate_salesforce_api_requests_limit", "", "100000x60"))
	b.WriteString(series("sfgate_salesforce_api_requests_used", "", "85000x30 96000x30"))
	b.WriteString(series("sfgate_salesforce_logins_total", `, flow="client_credentials", outcome="invalid_grant"`, "0+1x60"))
	b.WriteString(series("sfgate_salesforce_calls_total", `, operation="query", outcome="ok"`, "0+90x60"))
	b.WriteString(series("sfgate_salesforce_calls_total", `, operation="query", outcome="server_error"`, "0+10x60"))
	b.WriteString(series("sfgate_redis_up", "", "1x10 0x50"))
	b.WriteString("    alert_rule_test:\n")
	b.WriteString(alert("SfgateSalesforceAPIAllowanceHigh", "25m", true))
	b.WriteString(alert("SfgateSalesforceAPIAllowanceCritical", "25m", false))
	b.WriteString(alert("SfgateSalesforceAPIAllowanceCritical", "45m", true))
	b.WriteString(alert("SfgateSalesforceLoginFailures", "30m", true))
	b.WriteString(alert("SfgateSalesforceErrorRatio", "30m", true))
	b.WriteString(alert("SfgateRedisDown", "15m", true))
	// Healthy: low usage, logins and calls succeeding, Redis up.
	b.WriteString("  - interval: 1m\n    input_series:\n")
	b.WriteString(series("sfgate_salesforce_api_requests_limit", "", "100000x60"))
	b.WriteString(series("sfgate_salesforce_api_requests_used", "", "1000+100x60"))
	b.WriteString(series("sfgate_salesforce_logins_total", `, flow="client_credentials", outcome="ok"`, "0+1x60"))
	b.WriteString(series("sfgate_salesforce_calls_total", `, operation="query", outcome="ok"`, "0+100x60"))
	b.WriteString(series("sfgate_salesforce_calls_total", `, operation="query", outcome="server_error"`, "0x60"))
	b.WriteString(series("sfgate_redis_up", "", "1x60"))
	b.WriteString("    alert_rule_test:\n")
	for _, name := range alertNames {
		b.WriteString(alert(name, "50m", false))
	}
	return b.String()
}

var severity = map[string]string{
	"SfgateSalesforceAPIAllowanceHigh": "warning", "SfgateSalesforceAPIAllowanceCritical": "critical",
	"SfgateSalesforceLoginFailures": "critical", "SfgateSalesforceErrorRatio": "warning", "SfgateRedisDown": "warning",
}

// podLabel: only the Redis alert is per pod; the others aggregate.
var podLabel = map[string]string{"SfgateRedisDown": ", pod: p1"}

// TestChartDashboard: the dashboard ConfigMap carries Grafana's sidecar
// label and valid JSON whose panels query only the gateway's metrics, in
// expressions Prometheus parses.
func TestChartDashboard(t *testing.T) {
	t.Parallel()
	cm := render(t, "--set", "dashboard.enabled=true")["ConfigMap/"+release+"-sfgate-dashboard"]
	if str(cm, "metadata", "labels", "grafana_dashboard") != "1" {
		t.Errorf("dashboard labels = %v", get(cm, "metadata", "labels"))
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(str(cm, "data", "sfgate.json")), &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	// Grafana's variables, replaced by values, so promtool can parse what
	// Prometheus will receive.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$namespace", "sfgate", "$job", "demo-sfgate")
	var recs strings.Builder
	recs.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	used := map[string]bool{}
	for i, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for j, q := range p.Targets {
			for _, m := range metricName.FindAllString(q.Expr, -1) {
				used[m] = true
				if !slices.Contains(gatewayMetrics, m) {
					t.Errorf("panel %q uses %s, which the gateway does not export", p.Title, m)
				}
			}
			expr, _ := json.Marshal(vars.Replace(q.Expr))
			recs.WriteString("      - record: panel_" + string(rune('a'+i)) + "_" + string(rune('a'+j)) + "\n        expr: " + string(expr) + "\n")
		}
	}
	for _, m := range gatewayMetrics {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
	runPromtool(t, "check", "rules", writeTemp(t, "dashboard-rules.yaml", recs.String()))
}
