package cache

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Start subscribes to the invalidation channel and starts the goroutine
// that applies invalidations from other replicas, watches the connection,
// and recovers from degraded mode. It waits up to the probe interval for the
// subscription to be confirmed; if Redis is unreachable it returns nil with
// t degraded, and keeps trying in the background. In memory-only mode it
// does nothing. Close stops it.
func (t *Tiered) Start(ctx context.Context) error {
	if t.shared == nil {
		return nil
	}
	t.life.Lock()
	defer t.life.Unlock()
	if t.cancel != nil {
		return errors.New("cache: tiered already started")
	}
	if t.logger.Load() == nil {
		if l := zerolog.Ctx(ctx); l.GetLevel() != zerolog.Disabled {
			t.logger.Store(l)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	t.cancel = cancel
	t.done = make(chan struct{})
	t.ps = t.shared.client.PSubscribe(sctx)
	pattern := escapeGlob(t.shared.k(t.channel)) + "*"
	// PSubscribe registers the pattern even when it fails to send it; the
	// subscriber's reconnects resubscribe.
	_ = t.ps.PSubscribe(sctx, pattern)
	confirmed := t.awaitSubscription(sctx)
	if confirmed {
		t.sharedOK(sctx)
	}
	t.running.Store(true)
	go t.subscriber(sctx, confirmed)
	return nil
}

// awaitSubscription waits for the confirmation of the pattern subscription.
func (t *Tiered) awaitSubscription(ctx context.Context) bool {
	deadline := time.Now().Add(t.probeEvery)
	for time.Now().Before(deadline) {
		msg, err := t.ps.ReceiveTimeout(ctx, time.Until(deadline))
		if err != nil {
			t.markDown(ctx, &unavailableError{op: "psubscribe", key: t.channel, err: err})
			return false
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "psubscribe" {
				return true
			}
		case *redis.Message:
			t.apply(m.Payload)
		}
	}
	t.markDown(ctx, &unavailableError{op: "psubscribe", key: t.channel, err: context.DeadlineExceeded})
	return false
}

// subscriber applies invalidations and watches the connection. A lost
// connection degrades t (invalidations may be missed from then on); once
// go-redis has reconnected and resubscribed and Redis answers a PING, t
// recovers, emptying the in-process level.
func (t *Tiered) subscriber(ctx context.Context, subscribed bool) {
	defer close(t.done)
	const minBackoff = 20 * time.Millisecond
	backoff := minBackoff
	var lastProbe time.Time
	for {
		msg, err := t.ps.ReceiveTimeout(ctx, t.probeEvery)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() && subscribed {
				// Idle. A PING on the subscription connection
				// finds a half-open one; a degraded Tiered checks
				// whether commands work again.
				if err := t.ps.Ping(ctx); err != nil {
					subscribed = false
					t.markDown(ctx, &unavailableError{op: "ping", err: err})
					continue
				}
				lastProbe = time.Now()
				t.probe(ctx)
				continue
			}
			subscribed = false
			t.markDown(ctx, &unavailableError{op: "receive", key: t.channel, err: err})
			tm := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				tm.Stop()
				return
			case <-tm.C:
			}
			backoff = min(backoff*2, t.probeEvery)
			continue
		}
		backoff = minBackoff
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "psubscribe" {
				subscribed = true
				t.probe(ctx)
			}
		case *redis.Message:
			t.apply(m.Payload)
			// Under steady invalidation traffic the idle probe
			// never runs: probe between messages too.
			if subscribed && t.down.Load() && time.Since(lastProbe) >= t.probeEvery {
				lastProbe = time.Now()
				t.probe(ctx)
			}
		case *redis.Pong:
		}
	}
}

// probe recovers a degraded Tiered whose subscription is live if Redis
// answers a PING.
func (t *Tiered) probe(ctx context.Context) {
	if !t.down.Load() {
		return
	}
	if t.shared.Ping(ctx) == nil {
		t.recover(ctx)
	}
}

// Close stops the subscriber and waits for it. It does not close the Redis
// client.
func (t *Tiered) Close() error {
	t.life.Lock()
	defer t.life.Unlock()
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	err := t.ps.Close()
	<-t.done
	t.running.Store(false)
	t.cancel = nil
	return err
}
