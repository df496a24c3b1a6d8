package cache_test

import (
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
)

// fakeClock is a settable clock for TTL tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, func(t *testing.T) storeUnderTest {
		clk := newFakeClock()
		return storeUnderTest{store: cache.NewMemory(cache.MemoryOptions{Now: clk.Now}), advance: clk.Advance}
	})
}
