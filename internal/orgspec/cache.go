package orgspec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
)

// Doc is a rendered document, and its entity tag.
type Doc struct {
	YAML []byte
	// ETag is a strong entity tag (RFC 9110 §8.8.3, quotes included) that
	// changes whenever the generic document, an object's describe or the
	// operations offered change.
	ETag string
}

func (d *Doc) size() int64 { return int64(len(d.YAML)) }

// Cache keeps the last rendered documents, keyed by what they are made of:
// the generic document, and each object's describe and operations. A
// describe that changes (a field added, then the describe cache refreshed
// or invalidated) is a new key, so a stale document is never served, and
// no invalidation of its own is needed.
type Cache struct {
	generic  []byte
	sum      [sha256.Size]byte
	maxBytes int64

	// render lets one render run at a time: the largest document (200
	// objects of 250 fields) takes seconds of CPU and hundreds of MB of
	// garbage, so concurrent misses queue rather than multiply that, and
	// those asking for the same document get the one render.
	render chan struct{}

	mu    sync.Mutex
	docs  map[string]*Doc
	order []string // keys, oldest first
	bytes int64
}

// NewCache returns a cache built on generic that keeps documents of
// maxBytes in all at most (a document of 200 objects is several MB); the
// oldest go first, and a document larger than maxBytes is served but not
// kept.
func NewCache(generic []byte, maxBytes int64) *Cache {
	return &Cache{generic: generic, sum: sha256.Sum256(generic), maxBytes: maxBytes, docs: map[string]*Doc{}, render: make(chan struct{}, 1)}
}

// Len returns how many documents the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.docs)
}

// Get returns the document for objs, rendering it on a miss. Waiting for
// another render ends with ctx.
func (c *Cache) Get(ctx context.Context, objs []Object) (*Doc, error) {
	key, err := c.key(objs)
	if err != nil {
		return nil, err
	}
	if d := c.lookup(key); d != nil {
		return d, nil
	}
	select {
	case c.render <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.render }()
	if d := c.lookup(key); d != nil {
		return d, nil
	}
	y, err := Render(c.generic, objs)
	if err != nil {
		return nil, err
	}
	d := &Doc{YAML: y, ETag: etag(key)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.size() > c.maxBytes {
		return d, nil
	}
	for c.bytes+d.size() > c.maxBytes {
		c.bytes -= c.docs[c.order[0]].size()
		delete(c.docs, c.order[0])
		c.order = c.order[1:]
	}
	c.docs[key] = d
	c.order = append(c.order, key)
	c.bytes += d.size()
	return d, nil
}

func (c *Cache) lookup(key string) *Doc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.docs[key]
}

// ETag returns the entity tag of the document for objs without rendering
// it, so a client holding it can be answered 304 at the cost of a hash.
func (c *Cache) ETag(objs []Object) (string, error) {
	key, err := c.key(objs)
	if err != nil {
		return "", err
	}
	return etag(key), nil
}

func etag(key string) string { return `"` + key[:32] + `"` }

// key hashes the generic document and objs' JSON: the describe as the
// caller sees it (fields withheld from them are absent) and the operations.
func (c *Cache) key(objs []Object) (string, error) {
	h := sha256.New()
	h.Write(c.sum[:])
	if err := json.NewEncoder(h).Encode(objs); err != nil {
		return "", fmt.Errorf("orgspec: hash the describes: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
