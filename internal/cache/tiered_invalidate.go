package cache

import (
	"context"
	"fmt"
	"strings"
)

// Invalidate drops key everywhere: from this process's in-process level at
// once, from Redis (with any fill lock, so that a load in flight cannot
// write back what it read before), and from every other replica's
// in-process level through the invalidation channel. In memory-only mode it
// affects this process only. While degraded the local effect still happens
// and the error wraps ErrUnavailable: Redis and the other replicas were not
// reached, and the caller should retry.
func (t *Tiered) Invalidate(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.dropLocal(key, false)
	if t.shared == nil {
		return nil
	}
	if !t.sharedUsable() {
		return fmt.Errorf("cache: invalidate %q: %w", key, ErrUnavailable)
	}
	if err := t.shared.deleteKeys(ctx, key, fillKey(key)); err != nil {
		t.sharedFailed(ctx, err)
		return err
	}
	t.sharedOK(ctx)
	return t.announce(ctx, "k", key)
}

// InvalidatePrefix is Invalidate for every key starting with prefix, e.g.
// Key("prod", "describe") + ":" for all describes of connection prod.
func (t *Tiered) InvalidatePrefix(ctx context.Context, prefix string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.dropLocal(prefix, true)
	if t.shared == nil {
		return nil
	}
	if !t.sharedUsable() {
		return fmt.Errorf("cache: invalidate prefix %q: %w", prefix, ErrUnavailable)
	}
	// Fill locks share their key's prefix, so loads in flight are fenced
	// off too.
	if _, err := t.shared.DeletePrefix(ctx, prefix); err != nil {
		t.sharedFailed(ctx, err)
		return err
	}
	t.sharedOK(ctx)
	return t.announce(ctx, "p", prefix)
}

// announce publishes an invalidation for the other replicas. kind is "k"
// (one key) or "p" (a prefix).
func (t *Tiered) announce(ctx context.Context, kind, key string) error {
	msg := t.id + " " + kind + " " + key
	if err := t.shared.publish(ctx, channelFor(t.channel, key), msg); err != nil {
		t.sharedFailed(ctx, err)
		return fmt.Errorf("cache: announce invalidation: %w", err)
	}
	t.sent.Add(1)
	return nil
}

// channelFor returns the channel an invalidation of key goes to: the base
// channel suffixed with key's hash tag, if it has one.
func channelFor(base, key string) string {
	if tag := hashTag(key); tag != "" {
		return base + ":" + tag
	}
	return base
}

// hashTag returns key's Redis Cluster hash tag with its braces ("{prod}"), or
// "" if key has none: the tag is what lies between the first '{' and the
// first '}' after it, if that is not empty.
func hashTag(key string) string {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return ""
	}
	return key[i : i+j+2]
}

func fillKey(key string) string { return key + fillSuffix }

// apply handles one invalidation message from the channel.
func (t *Tiered) apply(payload string) {
	origin, rest, ok := strings.Cut(payload, " ")
	if !ok || origin == t.id {
		return
	}
	kind, key, ok := strings.Cut(rest, " ")
	if !ok {
		return
	}
	switch kind {
	case "k":
		t.dropLocal(key, false)
	case "p":
		t.dropLocal(key, true)
	default:
		return
	}
	t.received.Add(1)
}
