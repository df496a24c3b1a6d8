package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("cache: lock held by another holder")

// ErrLeaseLost is returned by Lease.Release when the lock had expired or was
// taken over before the release, so the holder's work may have overlapped
// with another's.
var ErrLeaseLost = errors.New("cache: lease lost before release")

// Poll intervals of Lock, Wait and WaitOrLock: they start short, so a value
// that appears quickly is seen quickly, and back off so that waiters do not
// hammer Redis.
const (
	pollMin = 5 * time.Millisecond
	pollMax = 100 * time.Millisecond
)

// Lease is a held lock. Its key holds a random token until Release or until
// the TTL given at acquisition runs out.
type Lease struct {
	store Store
	key   string
	token []byte
}

// Key returns the lock's key.
func (l *Lease) Key() string { return l.key }

// TryLock takes the lock at key for ttl if nobody holds it, or returns
// ErrLocked. The ttl bounds how long a crashed holder can block others; the
// work done under the lock should finish well within it.
func TryLock(ctx context.Context, store Store, key string, ttl time.Duration) (*Lease, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("cache: lock %q: ttl must be positive", key)
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	ok, err := store.SetNX(ctx, key, token, ttl)
	if err != nil {
		return nil, fmt.Errorf("cache: lock %q: %w", key, err)
	}
	if !ok {
		return nil, ErrLocked
	}
	return &Lease{store: store, key: key, token: token}, nil
}

// Lock takes the lock at key for ttl, waiting with backoff while another
// holder has it, until ctx is done.
func Lock(ctx context.Context, store Store, key string, ttl time.Duration) (*Lease, error) {
	p := newPoller()
	for {
		l, err := TryLock(ctx, store, key, ttl)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// Release frees the lock if this lease still holds it (compare and delete on
// the token, so a lease that expired cannot free a successor's lock). It
// returns ErrLeaseLost if the lock was no longer this lease's.
func (l *Lease) Release(ctx context.Context) error {
	ok, err := l.store.CompareAndDelete(ctx, l.key, l.token)
	if err != nil {
		return fmt.Errorf("cache: release %q: %w", l.key, err)
	}
	if !ok {
		return ErrLeaseLost
	}
	return nil
}

// Wait polls store with backoff until key holds a value and returns it, or
// returns ctx's error.
func Wait(ctx context.Context, store Store, key string) ([]byte, error) {
	p := newPoller()
	for {
		v, err := store.Get(ctx, key)
		if !errors.Is(err, ErrNotFound) {
			return v, err
		}
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// WaitOrLock is the "one does the work, the others reuse it" loop: it
// returns the value at key as soon as there is one, or a Lease on lockKey as
// soon as the lock is free (the previous holder finished without storing a
// value, failed, or crashed and its TTL ran out), whichever comes first. The
// caller holding the lease should check key once more, do the work, store
// the value and release the lease.
func WaitOrLock(ctx context.Context, store Store, key, lockKey string, ttl time.Duration) ([]byte, *Lease, error) {
	p := newPoller()
	for {
		v, err := store.Get(ctx, key)
		if err == nil {
			return v, nil, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		l, err := TryLock(ctx, store, lockKey, ttl)
		if err == nil {
			return nil, l, nil
		}
		if !errors.Is(err, ErrLocked) {
			return nil, nil, err
		}
		if err := p.wait(ctx); err != nil {
			return nil, nil, err
		}
	}
}

func newToken() ([]byte, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("cache: lock token: %w", err)
	}
	return []byte(hex.EncodeToString(b[:])), nil
}

// poller sleeps with doubling intervals between pollMin and pollMax.
type poller struct{ next time.Duration }

func newPoller() *poller { return &poller{next: pollMin} }

func (p *poller) wait(ctx context.Context) error {
	t := time.NewTimer(p.next)
	defer t.Stop()
	p.next = min(p.next*2, pollMax)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
