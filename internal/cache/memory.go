package cache

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTooLarge is returned by Memory.Set when one value alone exceeds the
// memory level's byte budget.
var ErrTooLarge = errors.New("cache: value larger than the memory budget")

// Defaults of MemoryOptions.
const (
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 64 << 20
)

// entryOverhead approximates what one entry costs beyond its key and value
// (list element, map slot, entry struct), so that many tiny entries still
// count against MaxBytes.
const entryOverhead = 96

// MemoryOptions configures a Memory store. The zero value is usable.
type MemoryOptions struct {
	// MaxEntries bounds the number of entries (default DefaultMaxEntries).
	MaxEntries int
	// MaxBytes bounds keys plus values plus a fixed per-entry overhead
	// (default DefaultMaxBytes).
	MaxBytes int64
	// Now is the clock used for TTLs (default time.Now); tests inject one.
	Now func() time.Time
}

// Memory is a bounded in-process Store. When a bound is exceeded it evicts
// the least recently used entries; expired entries are dropped when met and
// preferred for eviction. It is safe for concurrent use.
//
// Values are copied on the way in; slices returned by Get are shared with the
// store and must not be modified.
type Memory struct {
	maxEntries int
	maxBytes   int64
	now        func() time.Time

	mu    sync.Mutex
	items map[string]*list.Element // of *memEntry
	lru   *list.List               // front = most recently used
	bytes int64

	hits, misses, evictions atomic.Uint64
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time // zero: never
}

func (e *memEntry) size() int64 { return int64(len(e.key)+len(e.value)) + entryOverhead }

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{
		maxEntries: opts.MaxEntries,
		maxBytes:   opts.MaxBytes,
		now:        opts.Now,
		items:      make(map[string]*list.Element),
		lru:        list.New(),
	}
}

// Get returns the value stored under key or ErrNotFound.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, _, ok := m.lookup(key)
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// lookup returns the value and its remaining TTL (0: no expiry).
func (m *Memory) lookup(key string) ([]byte, time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		m.misses.Add(1)
		return nil, 0, false
	}
	e := el.Value.(*memEntry)
	var left time.Duration
	if !e.expires.IsZero() {
		left = e.expires.Sub(m.now())
		if left <= 0 {
			m.removeLocked(el)
			m.misses.Add(1)
			return nil, 0, false
		}
	}
	m.lru.MoveToFront(el)
	m.hits.Add(1)
	return e.value, left, true
}

// Set stores a copy of value under key for ttl (ttl <= 0: no expiry).
func (m *Memory) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.setLocked(key, value, ttl)
}

func (m *Memory) setLocked(key string, value []byte, ttl time.Duration) error {
	e := &memEntry{key: key, value: bytes.Clone(value)}
	if e.value == nil {
		e.value = []byte{}
	}
	if e.size() > m.maxBytes {
		// Drop any older value so that Get does not serve it after a
		// Set the caller believes replaced it.
		if el, ok := m.items[key]; ok {
			m.removeLocked(el)
		}
		return fmt.Errorf("cache: memory set %q (%d bytes): %w", key, len(value), ErrTooLarge)
	}
	if ttl > 0 {
		e.expires = m.now().Add(ttl)
	}
	if el, ok := m.items[key]; ok {
		old := el.Value.(*memEntry)
		m.bytes += e.size() - old.size()
		el.Value = e
		m.lru.MoveToFront(el)
	} else {
		m.items[key] = m.lru.PushFront(e)
		m.bytes += e.size()
	}
	m.evictLocked()
	return nil
}

// evictLocked drops entries until both bounds hold: first expired entries
// found from the cold end, then the least recently used.
func (m *Memory) evictLocked() {
	if len(m.items) <= m.maxEntries && m.bytes <= m.maxBytes {
		return
	}
	now := m.now()
	// A bounded scan for expired entries, so that eviction stays O(1)-ish.
	const scan = 16
	el := m.lru.Back()
	for i := 0; i < scan && el != nil && (len(m.items) > m.maxEntries || m.bytes > m.maxBytes); i++ {
		prev := el.Prev()
		if e := el.Value.(*memEntry); !e.expires.IsZero() && !now.Before(e.expires) {
			m.removeLocked(el)
		}
		el = prev
	}
	for len(m.items) > m.maxEntries || m.bytes > m.maxBytes {
		back := m.lru.Back()
		if back == nil {
			return
		}
		m.removeLocked(back)
		m.evictions.Add(1)
	}
}

func (m *Memory) removeLocked(el *list.Element) {
	e := el.Value.(*memEntry)
	m.lru.Remove(el)
	delete(m.items, e.key)
	m.bytes -= e.size()
}

// SetNX stores value only if key holds nothing (or only an expired value)
// and reports whether it did.
func (m *Memory) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		e := el.Value.(*memEntry)
		if e.expires.IsZero() || m.now().Before(e.expires) {
			return false, nil
		}
	}
	if err := m.setLocked(key, value, ttl); err != nil {
		return false, err
	}
	return true, nil
}

// Delete removes key.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		m.removeLocked(el)
	}
	return nil
}

// CompareAndDelete removes key only if it holds expected and reports whether
// it did.
func (m *Memory) CompareAndDelete(ctx context.Context, key string, expected []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return false, nil
	}
	e := el.Value.(*memEntry)
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		m.removeLocked(el)
		return false, nil
	}
	if !bytes.Equal(e.value, expected) {
		return false, nil
	}
	m.removeLocked(el)
	return true, nil
}

// DeletePrefix removes every key that starts with prefix and returns how
// many it removed. It walks the whole store, which is bounded by MaxEntries.
func (m *Memory) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, el := range m.items {
		if strings.HasPrefix(k, prefix) {
			m.removeLocked(el)
			n++
		}
	}
	return n, nil
}

// Clear removes every entry.
func (m *Memory) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.items)
	m.lru.Init()
	m.bytes = 0
}

// Len returns the number of entries, expired ones not yet dropped included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Stats returns a snapshot of the memory level's counters: LocalHits,
// LocalMisses, Evictions, Entries and Bytes.
func (m *Memory) Stats() Stats {
	m.mu.Lock()
	entries, size := len(m.items), m.bytes
	m.mu.Unlock()
	return Stats{
		LocalHits:   m.hits.Load(),
		LocalMisses: m.misses.Load(),
		Evictions:   m.evictions.Load(),
		Entries:     entries,
		Bytes:       size,
	}
}
