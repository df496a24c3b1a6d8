package sfsim

import (
	"net/http"
	"sync"
)

// inFlight measures how many SOAP calls the org is serving at once, and
// the most it has served at once since the last reset, as Salesforce's
// concurrent-request limit counts them; /_sim/stats reports both
// (inFlight, maxInFlight). It also counts the faults answered by code
// (faults), so a test can tell that a code was never answered.
type inFlight struct {
	mu     sync.Mutex
	cur    int
	peak   int
	faults map[string]int64
}

func (g *inFlight) enter() {
	g.mu.Lock()
	g.cur++
	g.peak = max(g.peak, g.cur)
	g.mu.Unlock()
}

func (g *inFlight) leave() {
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
}

func (g *inFlight) fault(code string) {
	g.mu.Lock()
	if g.faults == nil {
		g.faults = map[string]int64{}
	}
	g.faults[code]++
	g.mu.Unlock()
}

func (g *inFlight) snapshot() (cur, peak int, faults map[string]int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	faults = make(map[string]int64, len(g.faults))
	for k, v := range g.faults {
		faults[k] = v
	}
	return g.cur, g.peak, faults
}

// reset forgets the peak (calls still running keep counting) and the
// faults.
func (g *inFlight) reset() {
	g.mu.Lock()
	g.peak = g.cur
	g.faults = nil
	g.mu.Unlock()
}

// counted wraps the SOAP endpoint with the gauge.
func (s *Server) counted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.gauge.enter()
		defer s.gauge.leave()
		h(w, r)
	}
}
