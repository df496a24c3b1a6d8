package sfsim

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Kinds of injected fault accepted by POST /_sim/faults. "delay" only
// stalls the call by delayMs and then serves it normally.
var faultKinds = map[string]bool{
	"REQUEST_LIMIT_EXCEEDED": true,
	"UNABLE_TO_LOCK_ROW":     true,
	"SERVER_UNAVAILABLE":     true,
	"http500":                true,
	"timeout":                true,
	"delay":                  true,
}

const (
	maxInjected    = 1000
	maxInjectCount = 1_000_000
	maxDelay       = 10 * time.Minute
)

type injected struct {
	op    string // operation name, or "*" for every operation
	kind  string
	left  int
	delay time.Duration
}

type faultTable struct {
	mu   sync.Mutex
	list []*injected
}

// take consumes one use of the first rule matching op.
func (t *faultTable) take(op string) *injected {
	t.mu.Lock()
	defer t.mu.Unlock()
	token := op == StatOAuthClientCredentials || op == StatOAuthJWTBearer
	for i, f := range t.list {
		// "*" means every SOAP operation, not the token endpoint.
		if f.op != op && (f.op != "*" || token) {
			continue
		}
		f.left--
		if f.left <= 0 {
			t.list = append(t.list[:i], t.list[i+1:]...)
		}
		return f
	}
	return nil
}

func (t *faultTable) add(f *injected) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.list) >= maxInjected {
		return fmt.Errorf("too many pending fault rules (max %d)", maxInjected)
	}
	t.list = append(t.list, f)
	return nil
}

func (t *faultTable) reset() {
	t.mu.Lock()
	t.list = nil
	t.mu.Unlock()
}

// controlError is the body of a refused control request.
type controlError struct {
	Error string `json:"error"`
}

func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sim/stats", s.ctlStats)
	mux.HandleFunc("POST /_sim/sessions/expire", s.ctlExpireSessions)
	mux.HandleFunc("POST /_sim/locators/expire", s.ctlExpireLocators)
	mux.HandleFunc("POST /_sim/sobjects/{sobject}/fields", s.ctlAddField)
	mux.HandleFunc("POST /_sim/sobjects", s.ctlAddObject)
	mux.HandleFunc("POST /_sim/faults", s.ctlFaults)
	mux.HandleFunc("DELETE /_sim/faults", s.ctlClearFaults)
	mux.HandleFunc("POST /_sim/duplicate-rules", s.ctlAddDuplicateRule)
	mux.HandleFunc("DELETE /_sim/duplicate-rules", s.ctlClearDuplicateRules)
	mux.HandleFunc("POST /_sim/reset", s.ctlReset)
	mux.HandleFunc("GET /_sim/jwt-key", s.ctlJWTKey)
	mux.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, controlError{"no such control endpoint: " + r.Method + " " + r.URL.Path})
	})
}

// decodeControl reads a JSON body strictly: unknown keys are refused so a
// typo in a test does not silently do nothing.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "invalid JSON body: " + err.Error()
		if errors.Is(err, io.EOF) {
			msg = "a JSON body is required"
		}
		writeJSON(w, http.StatusBadRequest, controlError{msg})
		return false
	}
	return true
}

func (s *Server) ctlStats(w http.ResponseWriter, r *http.Request) {
	calls, used := s.stats.snapshot(s.now())
	cur, peak, faults := s.gauge.snapshot()
	writeJSON(w, http.StatusOK, map[string]any{"calls": calls, "apiRequests": used, "dailyLimit": s.cfg.DailyLimit,
		"inFlight": cur, "maxInFlight": peak, "faults": faults})
}

func (s *Server) ctlExpireSessions(w http.ResponseWriter, r *http.Request) {
	n := s.sessions.expireAll()
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}

func (s *Server) ctlExpireLocators(w http.ResponseWriter, r *http.Request) {
	n := s.locators.expireAll()
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}

func (s *Server) ctlFaults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Operation string `json:"operation"`
		Fault     string `json:"fault"`
		Count     *int   `json:"count"`
		DelayMs   int    `json:"delayMs"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Operation == "" {
		writeJSON(w, http.StatusBadRequest, controlError{`"operation" is required (a SOAP operation name, or "*" for all)`})
		return
	}
	token := req.Operation == StatOAuthClientCredentials || req.Operation == StatOAuthJWTBearer
	if _, ok := operations[req.Operation]; !ok && req.Operation != "*" && !token {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("unknown operation %q (a SOAP operation, %q, %q or \"*\")", req.Operation, StatOAuthClientCredentials, StatOAuthJWTBearer)})
		return
	}
	if !faultKinds[req.Fault] {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("unknown fault %q (want REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, http500, timeout or delay)", req.Fault)})
		return
	}
	if token && req.Fault != "http500" && req.Fault != "timeout" && req.Fault != "delay" {
		writeJSON(w, http.StatusBadRequest, controlError{"the token endpoint takes only http500, timeout or delay faults"})
		return
	}
	count := 1
	if req.Count != nil {
		count = *req.Count
	}
	if count < 1 || count > maxInjectCount {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf(`"count" must be between 1 and %d`, maxInjectCount)})
		return
	}
	delay := time.Duration(req.DelayMs) * time.Millisecond
	if req.DelayMs < 0 || delay > maxDelay {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf(`"delayMs" must be between 0 and %d`, maxDelay.Milliseconds())})
		return
	}
	if err := s.faults.add(&injected{op: req.Operation, kind: req.Fault, left: count, delay: delay}); err != nil {
		writeJSON(w, http.StatusConflict, controlError{err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"operation": req.Operation, "fault": req.Fault, "count": count, "delayMs": req.DelayMs})
}

func (s *Server) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	s.faults.reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlReset(w http.ResponseWriter, r *http.Request) {
	if err := s.reset(); err != nil {
		writeJSON(w, http.StatusInternalServerError, controlError{err.Error()})
		return
	}
	s.faults.reset()
	s.dups.reset()
	s.stats.reset()
	s.gauge.reset()
	s.locators.expireAll()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

// ctlJWTKey hands out the generated connected-app private key. It exists
// for tests and demos only: a real org never reveals a key.
func (s *Server) ctlJWTKey(w http.ResponseWriter, r *http.Request) {
	if s.jwtPriv == nil {
		writeJSON(w, http.StatusNotFound, controlError{"a certificate was configured; the private key is not known to the emulator"})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	pem.Encode(w, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.jwtPriv)}) //nolint:errcheck // the client went away
}

// metaStatus maps a schema change error to the control API's status.
func metaStatus(err error) int {
	switch {
	case errors.Is(err, meta.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, meta.ErrDuplicate):
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func (s *Server) ctlAddField(w http.ResponseWriter, r *http.Request) {
	var spec meta.FieldSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	f, err := s.sc().AddField(r.PathValue("sobject"), spec)
	if err != nil {
		writeJSON(w, metaStatus(err), controlError{err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"name": f.Name, "type": f.Type, "soapType": f.SoapType, "label": f.Label})
}

func (s *Server) ctlAddObject(w http.ResponseWriter, r *http.Request) {
	var spec meta.ObjectSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	o, err := s.sc().AddObject(spec)
	if err != nil {
		writeJSON(w, metaStatus(err), controlError{err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"name": o.Name, "keyPrefix": o.Prefix(), "label": o.Label, "fields": len(o.Fields)})
}
