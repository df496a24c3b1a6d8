package idempotency

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// DefaultMaxKeys bounds a Memory store.
const DefaultMaxKeys = 100_000

// Memory is the store of a gateway without Redis: the same rules as Redis,
// within one process, so keys are honoured per replica only.
type Memory struct {
	mu    sync.Mutex
	byKey map[memKey]*entry
	ttl   time.Duration
	max   int
	now   func() time.Time
}

// memKey is a caller's key without the fingerprint.
type memKey struct{ caller, key string }

type entry struct {
	fp      [32]byte
	done    bool
	token   string
	lease   time.Time
	answer  []byte
	expires time.Time
}

var _ sfgate.IdempotencyStore = (*Memory)(nil)

// NewMemory returns a store keeping keys for ttl (default DefaultTTL), at
// most maxKeys of them (default DefaultMaxKeys); now is the clock (default
// time.Now).
func NewMemory(ttl time.Duration, maxKeys int, now func() time.Time) *Memory {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	return &Memory{byKey: map[memKey]*entry{}, ttl: ttl, max: maxKeys, now: now}
}

// Claim implements sfgate.IdempotencyStore.
func (m *Memory) Claim(_ context.Context, k sfgate.IdempotencyKey, lease time.Duration) (sfgate.Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	mk := memKey{k.Caller, k.Key}
	c := sfgate.Claim{Key: k}
	e, ok := m.byKey[mk]
	if ok && !now.Before(e.expires) {
		delete(m.byKey, mk)
		ok = false
	}
	switch {
	case !ok:
		if len(m.byKey) >= m.max && !m.sweep(now) {
			return sfgate.Claim{}, fmt.Errorf("%w: %d keys held in memory", ErrUnavailable, len(m.byKey))
		}
		token, err := newToken()
		if err != nil {
			return sfgate.Claim{}, err
		}
		m.byKey[mk] = &entry{fp: k.Fingerprint, token: token, lease: now.Add(lease), expires: now.Add(m.ttl)}
		c.State, c.Token = sfgate.ClaimAcquired, token
	case e.fp != k.Fingerprint:
		c.State = sfgate.ClaimMismatch
	case e.done:
		c.State, c.Answer = sfgate.ClaimDone, e.answer
	case e.lease.After(now):
		c.State = sfgate.ClaimInFlight
	default:
		c.State = sfgate.ClaimAbandoned
	}
	return c, nil
}

// sweep drops expired keys and reports whether there is room.
func (m *Memory) sweep(now time.Time) bool {
	for k, e := range m.byKey {
		if !now.Before(e.expires) {
			delete(m.byKey, k)
		}
	}
	return len(m.byKey) < m.max
}

// held returns c's entry if c still holds it.
func (m *Memory) held(c sfgate.Claim) (*entry, memKey) {
	mk := memKey{c.Key.Caller, c.Key.Key}
	e, ok := m.byKey[mk]
	if !ok || e.done || e.token != c.Token {
		return nil, mk
	}
	return e, mk
}

// Settle implements sfgate.IdempotencyStore.
func (m *Memory) Settle(_ context.Context, c sfgate.Claim, answer []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, _ := m.held(c)
	if e == nil {
		return false, nil
	}
	e.done, e.token, e.answer = true, "", append([]byte(nil), answer...)
	return true, nil
}

// Release implements sfgate.IdempotencyStore.
func (m *Memory) Release(_ context.Context, c sfgate.Claim) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, mk := m.held(c); e != nil {
		delete(m.byKey, mk)
	}
	return nil
}
