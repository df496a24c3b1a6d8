package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("/draining", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"draining"}`))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 1<<20)) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name       string
		args       []string
		wantErr    string // "" means success
		wantOutLen int    // -1: not checked
	}{
		{name: "2xx succeeds and echoes the body", args: []string{srv.URL + "/ok"}, wantOutLen: len(`{"status":"ok"}`) + 1},
		{name: "503 fails", args: []string{srv.URL + "/draining"}, wantErr: "503", wantOutLen: -1},
		{name: "404 fails", args: []string{srv.URL + "/missing"}, wantErr: "404", wantOutLen: -1},
		{name: "a redirect is not followed", args: []string{srv.URL + "/redirect"}, wantErr: "302", wantOutLen: -1},
		{name: "timeout bounds a stalled server", args: []string{"-timeout", "100ms", srv.URL + "/slow"}, wantErr: "deadline exceeded", wantOutLen: -1},
		{name: "the body read is bounded", args: []string{srv.URL + "/huge"}, wantOutLen: maxBody + 1},
		{name: "nothing listening fails", args: []string{"http://127.0.0.1:1/healthz"}, wantErr: "GET http://127.0.0.1:1/healthz", wantOutLen: -1},
		{name: "no URL is a usage error", args: nil, wantErr: "usage", wantOutLen: -1},
		{name: "two URLs is a usage error", args: []string{srv.URL, srv.URL}, wantErr: "usage", wantOutLen: -1},
		{name: "not an http URL", args: []string{"redis://127.0.0.1:6379"}, wantErr: "not an http(s) URL", wantOutLen: -1},
		{name: "unknown flag", args: []string{"-x", srv.URL}, wantErr: "usage", wantOutLen: -1},
		{name: "non-positive timeout", args: []string{"-timeout", "0s", srv.URL + "/ok"}, wantErr: "not positive", wantOutLen: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			start := time.Now()
			err := run(t.Context(), tt.args, &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("run: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.wantOutLen >= 0 && out.Len() != tt.wantOutLen {
				t.Errorf("stdout has %d bytes, want %d", out.Len(), tt.wantOutLen)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("run took %s", d)
			}
		})
	}
}
