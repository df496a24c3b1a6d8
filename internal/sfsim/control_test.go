package sfsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (s *sim) stats() map[string]int {
	s.t.Helper()
	st, body := s.control("GET", "/_sim/stats", "")
	if st != 200 {
		s.t.Fatalf("stats: %d %s", st, body)
	}
	var v struct{ Calls map[string]int }
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		s.t.Fatal(err)
	}
	return v.Calls
}

func TestStatsCountEveryCall(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.do("getUserInfo", "", "").ok()
	s.do("getUserInfo", "", "").ok()
	s.do("describeGlobal", "", "").ok()
	sid := s.sid
	s.sid = "bogus"
	s.do("getUserInfo", "", "") // refused calls count too: Salesforce saw them
	s.sid = sid
	got := s.stats()
	want := map[string]int{"login": 1, "getUserInfo": 3, "describeGlobal": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("calls[%s] = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

func TestInjectedFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault, code string
		status      int
	}{
		{"REQUEST_LIMIT_EXCEEDED", "sf:REQUEST_LIMIT_EXCEEDED", 500},
		{"UNABLE_TO_LOCK_ROW", "sf:UNABLE_TO_LOCK_ROW", 500},
		{"SERVER_UNAVAILABLE", "sf:SERVER_UNAVAILABLE", 500},
		{"http500", "", 500},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, Config{}).login()
			if st, body := s.control("POST", "/_sim/faults", `{"operation":"getUserInfo","fault":"`+tc.fault+`","count":2}`); st != 201 {
				t.Fatalf("inject: %d %s", st, body)
			}
			s.do("getServerTimestamp", "", "").ok() // other operations unaffected
			for range 2 {
				r := s.do("getUserInfo", "", "")
				if tc.code != "" {
					r.fault(tc.code, "UnexpectedErrorFault")
				} else if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d %s", r.status, r.header.Get("Content-Type"))
				}
			}
			s.do("getUserInfo", "", "").ok() // count used up
		})
	}
	t.Run("delay then normal answer", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		s.control("POST", "/_sim/faults", `{"operation":"*","fault":"delay","delayMs":200}`)
		start := time.Now()
		s.do("getUserInfo", "", "").ok()
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("answered after %v, want ≥ 200ms", d)
		}
	})
	t.Run("timeout stalls and drops the connection", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		s.control("POST", "/_sim/faults", `{"operation":"query","fault":"timeout","delayMs":100}`)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/services/Soap/u/58.0", strings.NewReader(envelope(s.sid, "", "query", "<urn:queryString>SELECT Id FROM Account</urn:queryString>")))
		req.Header.Set("Content-Type", "text/xml")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("got an answer (%d), want the connection dropped", res.StatusCode)
		}
	})
}

func TestControlRefusesBadRequests(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	cases := []struct{ method, path, body string }{
		{"POST", "/_sim/faults", `{"operation":"query","fault":"NOPE"}`},
		{"POST", "/_sim/faults", `{"operation":"nope","fault":"http500"}`},
		{"POST", "/_sim/faults", `{"fault":"http500"}`},
		{"POST", "/_sim/faults", `{"operation":"query","fault":"http500","count":0}`},
		{"POST", "/_sim/faults", `{"operation":"query","fault":"http500","delayMs":-1}`},
		{"POST", "/_sim/faults", `{"operation":"query","fault":"http500","extra":1}`},
		{"POST", "/_sim/faults", `not json`},
		{"POST", "/_sim/faults", ``},
		{"POST", "/_sim/sobjects/Account/fields", `{"name":"bad name","type":"text"}`},
		{"POST", "/_sim/sobjects/Nope__c/fields", `{"name":"X__c","type":"text","length":10}`},
		{"POST", "/_sim/sobjects", `{"name":"Account"}`},
		{"GET", "/_sim/nothing", ``},
	}
	for _, tc := range cases {
		st, body := s.control(tc.method, tc.path, tc.body)
		if st < 400 || st >= 500 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s %s %s: %d %s, want a 4xx JSON error", tc.method, tc.path, tc.body, st, body)
		}
	}
}

// TestConcurrentCalls hammers one org from many clients at once (run with
// -race): writes, reads, resets and schema changes must not interfere.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{SeedAccounts: 20}).login()
	done := make(chan struct{})
	errs := make(chan string, 100)
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 15 {
				var r *response
				switch (g + i) % 4 {
				case 0:
					r = s.post("58.0", envelope(s.sid, "", "create", sobj("Account", "Name", fmt.Sprintf("c%d-%d", g, i))), "create", nil)
				case 1:
					r = s.post("58.0", envelope(s.sid, "", "query", "<urn:queryString>SELECT Id, Name, (SELECT Id FROM Contacts) FROM Account LIMIT 50</urn:queryString>"), "query", nil)
				case 2:
					r = s.post("58.0", envelope(s.sid, "", "describeSObject", "<urn:sObjectType>Account</urn:sObjectType>"), "describeSObject", nil)
				case 3:
					if i == 3 && g == 3 {
						s.control("POST", "/_sim/reset", "")
					}
					s.control("POST", "/_sim/sobjects/Contact/fields", fmt.Sprintf(`{"name":"F%d_%d__c","type":"text","length":10}`, g, i))
					r = s.post("58.0", envelope(s.sid, "", "getUserInfo", ""), "getUserInfo", nil)
				}
				if r.status != 200 {
					errs <- string(r.raw)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Errorf("call failed under concurrency: %.300s", e)
	}
}

func TestCloseEndsStalledCalls(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.control("POST", "/_sim/faults", `{"operation":"getUserInfo","fault":"timeout"}`)
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.url+"/services/Soap/u/58.0", strings.NewReader(envelope(s.sid, "", "getUserInfo", "")))
		req.Header.Set("Content-Type", "text/xml")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	s.srv.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("a stalled call answered; want the connection dropped")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the stalled call")
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	org, err := New(Config{SeedAccounts: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	url, stop, err := org.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get(url + "/services/data/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	cancel() // ending the context stops the server
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := http.Get(url + "/services/data/")
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still answering after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop() // idempotent
}

// TestStatsGaugeInFlight checks maxInFlight is the most calls served at
// once (delayed calls overlap), and faults counts the codes answered.
func TestStatsGaugeInFlight(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	if st, body := s.control("POST", "/_sim/faults", `{"operation":"getUserInfo","fault":"delay","delayMs":300,"count":3}`); st != 201 {
		t.Fatalf("fault: %d %s", st, body)
	}
	done := make(chan struct{})
	for range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			s.do("getUserInfo", "", "")
		}()
	}
	for range 3 {
		<-done
	}
	sid := s.sid
	s.sid = "bogus"
	s.do("getUserInfo", "", "")
	s.sid = sid
	_, body := s.control("GET", "/_sim/stats", "")
	var v struct {
		InFlight, MaxInFlight int
		Faults                map[string]int
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.MaxInFlight != 3 || v.InFlight != 0 || v.Faults["INVALID_SESSION_ID"] != 1 {
		t.Errorf("stats %s: want maxInFlight 3, inFlight 0, one INVALID_SESSION_ID", body)
	}
	s.control("POST", "/_sim/reset", "")
	_, body = s.control("GET", "/_sim/stats", "")
	if !strings.Contains(body, `"maxInFlight":0`) {
		t.Errorf("after reset: %s", body)
	}
}
