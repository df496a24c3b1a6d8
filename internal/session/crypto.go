package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// blobVersion is the first byte of every sealed blob, so the layout can
// change later without misreading old entries.
const blobVersion = 1

// keyIDLen is the length of a key id in bytes (hex-encoded in logs).
const keyIDLen = 4

// Keyring seals values with AES-256-GCM under its primary key and opens
// values sealed under any of its keys. Each sealed blob names the key that
// sealed it, so keys can rotate: deploy the new key first with the old one
// second, and drop the old one once every entry sealed with it has expired.
type Keyring struct {
	primary keyEntry
	byID    map[[keyIDLen]byte]cipher.AEAD
}

type keyEntry struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
}

// ErrUndecryptable is returned by Open when no configured key opens a blob
// or the blob is damaged.
var ErrUndecryptable = errors.New("session: stored value cannot be decrypted with any configured key")

// NewKeyring returns a keyring whose first key is the primary. Each key must
// be 32 bytes.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: no encryption key")
	}
	kr := &Keyring{byID: make(map[[keyIDLen]byte]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("session: encryption key %d is %d bytes, want 32", i+1, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("session: encryption key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("session: encryption key %d: %w", i+1, err)
		}
		id := keyID(k)
		if _, dup := kr.byID[id]; dup {
			return nil, fmt.Errorf("session: encryption key %d repeats an earlier key", i+1)
		}
		kr.byID[id] = aead
		if i == 0 {
			kr.primary = keyEntry{id: id, aead: aead}
		}
	}
	return kr, nil
}

// ParseKeys parses CACHE_ENCRYPTION_KEY: one or more base64 (standard or
// URL alphabet, padded or not) 32-byte keys separated by commas, the first
// being the primary. The error never contains key material.
func ParseKeys(s string) (*Keyring, error) {
	parts := strings.Split(s, ",")
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("session: CACHE_ENCRYPTION_KEY: key %d is empty", i+1)
		}
		k, err := decodeBase64(p)
		if err != nil {
			return nil, fmt.Errorf("session: CACHE_ENCRYPTION_KEY: key %d is not base64", i+1)
		}
		keys = append(keys, k)
	}
	kr, err := NewKeyring(keys...)
	if err != nil {
		return nil, fmt.Errorf("CACHE_ENCRYPTION_KEY: %w", err)
	}
	return kr, nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// PrimaryKeyID returns the hex id of the primary key, safe to log.
func (k *Keyring) PrimaryKeyID() string { return hex.EncodeToString(k.primary.id[:]) }

// keyID derives a short public id from a key. It is a hash, so it reveals
// nothing usable about the key, and it needs no extra configuration.
func keyID(k []byte) [keyIDLen]byte {
	h := sha256.New()
	h.Write([]byte("sfgate session key id\x00"))
	h.Write(k)
	var id [keyIDLen]byte
	copy(id[:], h.Sum(nil))
	return id
}

// Seal encrypts plaintext with the primary key. aad (for example the Redis
// key) is authenticated but not stored, so a blob copied under another key
// does not open.
//
// Layout: version (1) | key id (4) | nonce (12) | ciphertext+tag.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	ns := k.primary.aead.NonceSize()
	out := make([]byte, 1+keyIDLen+ns, 1+keyIDLen+ns+len(plaintext)+k.primary.aead.Overhead())
	out[0] = blobVersion
	copy(out[1:], k.primary.id[:])
	nonce := out[1+keyIDLen:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("session: nonce: %w", err)
	}
	return k.primary.aead.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts a blob sealed by Seal under any key of the ring.
func (k *Keyring) Open(blob, aad []byte) ([]byte, error) {
	if len(blob) < 1+keyIDLen || blob[0] != blobVersion {
		return nil, ErrUndecryptable
	}
	var id [keyIDLen]byte
	copy(id[:], blob[1:])
	aead, ok := k.byID[id]
	if !ok {
		return nil, ErrUndecryptable
	}
	rest := blob[1+keyIDLen:]
	ns := aead.NonceSize()
	if len(rest) < ns+aead.Overhead() {
		return nil, ErrUndecryptable
	}
	pt, err := aead.Open(nil, rest[:ns], rest[ns:], aad)
	if err != nil {
		return nil, ErrUndecryptable
	}
	return pt, nil
}
