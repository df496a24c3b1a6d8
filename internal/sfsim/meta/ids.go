package meta

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// Salesforce ids are 15 case-sensitive base-62 characters: a 3-character key
// prefix naming the object, then (by convention) 2 characters of instance,
// 1 reserved character and 9 characters of record number. The 18-character
// form appends a 3-character checksum that encodes which of the first 15
// characters are upper case, so that the id survives case-insensitive
// handling.

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// checksumAlphabet maps a 5-bit upper-case mask to a suffix character.
const checksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// instance is the "pod" part of every emulated id (positions 4-5), and
// reserved position 6, as in ids from real orgs (for example 0015e00000…).
const instance = "5g0"

// RuntimeIDStart is where the package-level generator (NewID) starts
// counting: 62^8, so its ids never collide with those of a generator started
// at zero (seed data) unless that one hands out more than 2×10^14 ids.
const RuntimeIDStart uint64 = 218340105584896

// ErrInvalidID is wrapped by every error To18 returns.
var ErrInvalidID = errors.New("invalid id")

// IDGenerator hands out unique, increasing record numbers for ids. It is
// safe for concurrent use.
type IDGenerator struct {
	n atomic.Uint64
}

// NewIDGenerator returns a generator whose first id carries record number
// start+1.
func NewIDGenerator(start uint64) *IDGenerator {
	g := &IDGenerator{}
	g.n.Store(start)
	return g
}

// New returns a fresh 18-character id with the given 3-character key prefix.
// It panics if keyPrefix is not 3 base-62 characters, a programming error.
func (g *IDGenerator) New(keyPrefix string) string {
	return FormatID(keyPrefix, g.n.Add(1))
}

// FormatID returns the 18-character id with the given key prefix and
// record number n: the emulator's ids are a pure function of the two, which
// lets seed data be generated in parallel yet deterministically. It panics
// if keyPrefix is not 3 base-62 characters or n does not fit in 9 base-62
// digits, both programming errors.
func FormatID(keyPrefix string, n uint64) string {
	if len(keyPrefix) != 3 || !isBase62(keyPrefix) {
		panic(fmt.Sprintf("meta: key prefix %q is not 3 base-62 characters", keyPrefix))
	}
	var b [18]byte
	copy(b[:3], keyPrefix)
	copy(b[3:6], instance)
	for i := 14; i >= 6; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	if n != 0 {
		panic("meta: record number does not fit in an id")
	}
	suffix := checksum(b[:15])
	copy(b[15:], suffix[:])
	return string(b[:])
}

var runtimeIDs = NewIDGenerator(RuntimeIDStart)

// NewID returns a fresh 18-character id with the given key prefix from the
// process-wide generator (see RuntimeIDStart).
func NewID(keyPrefix string) string { return runtimeIDs.New(keyPrefix) }

// OrgID is the emulated org's id (key prefix 00D), in 18-character form
// (a test checks its checksum).
const OrgID = "00D5g000004SfSmEAK"

// checksum computes the 3-character suffix of a 15-character id: for each
// 5-character chunk, bit i is set when character i is an upper-case letter,
// and the 5-bit value indexes checksumAlphabet.
func checksum(id []byte) [3]byte {
	var out [3]byte
	for chunk := 0; chunk < 3; chunk++ {
		v := 0
		for i := 0; i < 5; i++ {
			c := id[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				v |= 1 << i
			}
		}
		out[chunk] = checksumAlphabet[v]
	}
	return out
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// To18 returns the 18-character form of a 15- or 18-character id. An
// 18-character id must carry the right checksum, compared ignoring case as
// Salesforce does (the suffix itself is case-insensitive); the result always
// has the canonical upper-case suffix.
func To18(id string) (string, error) {
	switch len(id) {
	case 15, 18:
	default:
		return "", fmt.Errorf("%w: %q has %d characters, want 15 or 18", ErrInvalidID, id, len(id))
	}
	if !isBase62(id) {
		return "", fmt.Errorf("%w: %q has a character outside [0-9A-Za-z]", ErrInvalidID, id)
	}
	sum := checksum([]byte(id[:15]))
	if len(id) == 18 {
		for i := 0; i < 3; i++ {
			if upper(id[15+i]) != sum[i] {
				return "", fmt.Errorf("%w: %q has a wrong checksum suffix", ErrInvalidID, id)
			}
		}
	}
	return id[:15] + string(sum[:]), nil
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// ValidID reports whether id is a well-formed 15- or 18-character id (with a
// correct checksum when it has 18 characters).
func ValidID(id string) bool {
	_, err := To18(id)
	return err == nil
}

// KeyPrefix returns the first three characters of id, which name its
// object, or "" when id is shorter than that.
func KeyPrefix(id string) string {
	if len(id) < 3 {
		return ""
	}
	return id[:3]
}
