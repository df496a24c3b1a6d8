package salesforce_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/sfsim"
)

// TestRetryBudgetAtNinePercentFaults is the measurement against
// the emulator: 9% of calls hit an injected UNABLE_TO_LOCK_ROW. With the
// old fixed budget (20 retries, then 2 per second) hundreds of such
// failures went unretried under load; with the budget sized as a share of
// traffic (0.1 retry per call) every one is retried and succeeds. Backoff
// is shortened so the test runs fast: what it measures is the budget.
func TestRetryBudgetAtNinePercentFaults(t *testing.T) {
	t.Parallel()
	env := startSim(t, sfsim.Config{DailyLimit: 1 << 30})
	p := salesforce.DefaultRetryPolicy()
	p.BaseDelay, p.MaxDelay = time.Millisecond, 2*time.Millisecond
	c, err := salesforce.New(salesforce.Config{Sessions: env.src, APIVersion: "58.0", Retry: p})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 600
	injected, failed := 0, 0
	for i := range calls {
		if i%100 < 9 {
			injected++
			resp, err := http.Post(env.url+"/_sim/faults", "application/json",
				bytes.NewReader([]byte(`{"operation":"query","fault":"UNABLE_TO_LOCK_ROW","count":1}`)))
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("inject: %v %v", err, resp)
			}
			resp.Body.Close()
		}
		if _, err := c.Query(t.Context(), "SELECT Id FROM Account LIMIT 1"); err != nil {
			failed++
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d calls failed with %d injected retryable faults (9%%): the retry budget should cover them all", failed, calls, injected)
	}
}
