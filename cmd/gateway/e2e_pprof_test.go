package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// GATEWAY_PPROF serves the profiles on the metrics listener only: the main
// listener answers /debug/pprof/ 404 whether or not they are on, and the
// metrics listener serves them only when asked to.
func TestPprofOnlyOnTheMetricsListener(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		pprof string
		want  int // on the metrics listener
	}{
		{name: "enabled", pprof: "true", want: http.StatusOK},
		{name: "disabled", pprof: "false", want: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, stackOptions{env: map[string]string{"GATEWAY_METRICS_ADDR": "127.0.0.1:0", "GATEWAY_PPROF": tc.pprof}})
			m := regexp.MustCompile(`"metrics_addr":"([^"]+)"`).FindStringSubmatch(s.logs.tail())
			if m == nil {
				t.Fatalf("no metrics listener logged:\n%s", s.logs.tail())
			}
			ops := "http://" + m[1]
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/cmdline"} {
				if st, _ := plainGet(t, s.base+path); st != http.StatusNotFound {
					t.Errorf("main listener %s: %d, want 404", path, st)
				}
				if st, _ := plainGet(t, ops+path); st != tc.want {
					t.Errorf("metrics listener %s: %d, want %d", path, st, tc.want)
				}
			}
			if tc.want != http.StatusOK {
				return
			}
			if _, body := plainGet(t, ops+"/debug/pprof/heap?debug=1"); !strings.Contains(body, "heap profile:") {
				t.Errorf("the heap profile is not served: %.200s", body)
			}
			// A one-second CPU profile: the listener's write timeout leaves
			// room for it (pprof refuses one that reaches the timeout).
			if st, body := plainGet(t, ops+"/debug/pprof/profile?seconds=1"); st != http.StatusOK || len(body) == 0 {
				t.Errorf("CPU profile: %d, %d bytes", st, len(body))
			}
			if st, _ := plainGet(t, ops+"/metrics"); st != http.StatusOK {
				t.Errorf("/metrics beside the profiles: %d", st)
			}
		})
	}
}

// plainGet GETs url with no validation of the answer against the API
// document (the profiles are not part of it) and returns status and body.
func plainGet(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
