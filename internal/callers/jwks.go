package callers

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// jwk is one key of a JSON Web Key Set (RFC 7517 §4, RFC 7518 §6).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// verifyKey is a usable public key and the one algorithm it may verify.
type verifyKey struct {
	alg string // "RS256" or "ES256"
	key crypto.PublicKey
}

// maxJWKSBytes bounds a key set answer.
const maxJWKSBytes = 1 << 20

// minRSABits refuses keys too weak to trust (RFC 7518 §3.3 requires 2048).
const minRSABits = 2048

// parseJWKS turns a key set into usable keys by kid. Keys of other types,
// curves or uses, and keys without a kid, are skipped: an issuer may
// publish keys this gateway never accepts.
func parseJWKS(b []byte) (map[string]verifyKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("the key set is not JSON: %w", err)
	}
	out := map[string]verifyKey{}
	for _, k := range set.Keys {
		if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		vk, ok := k.public()
		if !ok || (k.Alg != "" && k.Alg != vk.alg) {
			continue
		}
		out[k.Kid] = vk
	}
	return out, nil
}

func (k jwk) public() (verifyKey, bool) {
	b64 := base64.RawURLEncoding.DecodeString
	switch k.Kty {
	case "RSA":
		n, err1 := b64(k.N)
		e, err2 := b64(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return verifyKey{}, false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			return verifyKey{}, false
		}
		return verifyKey{alg: "RS256", key: pub}, true
	case "EC":
		if k.Crv != "P-256" {
			return verifyKey{}, false
		}
		x, err1 := b64(k.X)
		y, err2 := b64(k.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return verifyKey{}, false
		}
		// ecdsa.ParseUncompressedPublicKey checks that the point is on the
		// curve, which a hand-built ecdsa.PublicKey would not.
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return verifyKey{}, false
		}
		return verifyKey{alg: "ES256", key: pub}, true
	}
	return verifyKey{}, false
}

// jwks caches an issuer's keys. An unknown kid fetches the set again, but
// at most once per minRefresh, so tokens naming made-up kids cannot make
// the gateway hammer the issuer; the set is also refreshed when older than
// maxAge (keys rotate).
type jwks struct {
	url        string
	client     *http.Client
	now        func() time.Time
	minRefresh time.Duration
	maxAge     time.Duration

	mu        sync.Mutex
	keys      map[string]verifyKey
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt
	fetching  sync.Mutex
	fetches   int // attempts, for tests
}

var errUnknownKid = errors.New("the token's kid is not in the issuer's key set")

// key returns the key kid names.
func (s *jwks) key(ctx context.Context, kid string) (verifyKey, error) {
	s.mu.Lock()
	k, ok := s.keys[kid]
	fresh := s.now().Sub(s.fetchedAt) < s.maxAge
	s.mu.Unlock()
	if ok && fresh {
		return k, nil
	}
	if err := s.refresh(ctx); err != nil && !ok {
		return verifyKey{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok = s.keys[kid]; !ok {
		return verifyKey{}, errUnknownKid
	}
	return k, nil
}

// refresh fetches the set unless an attempt was made within minRefresh.
// Concurrent callers wait for one fetch.
func (s *jwks) refresh(ctx context.Context) error {
	s.fetching.Lock()
	defer s.fetching.Unlock()
	s.mu.Lock()
	recent := !s.triedAt.IsZero() && s.now().Sub(s.triedAt) < s.minRefresh
	if !recent {
		s.triedAt = s.now()
		s.fetches++
	}
	s.mu.Unlock()
	if recent {
		return nil
	}
	// One caller giving up must not fail the others waiting on the fetch.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	keys, err := s.fetch(fctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.keys, s.fetchedAt = keys, s.now()
	s.mu.Unlock()
	return nil
}

func (s *jwks) fetch(ctx context.Context) (map[string]verifyKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("the JWKS is larger than %d bytes", maxJWKSBytes)
	}
	return parseJWKS(b)
}

// attempts returns how many fetches were tried.
func (s *jwks) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}
