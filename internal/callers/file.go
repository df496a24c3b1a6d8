package callers

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate"
)

// fileDoc is GATEWAY_CALLERS_FILE. YAML or JSON (JSON is read by the same
// YAML decoder); unknown members are refused so a misspelt "denyFeilds"
// cannot silently grant a field.
type fileDoc struct {
	Callers []fileCaller `yaml:"callers"`
}

type fileCaller struct {
	Name        string    `yaml:"name"`
	KeySHA256   string    `yaml:"keySHA256"`
	Permissions []string  `yaml:"permissions"`
	DenyFields  []string  `yaml:"denyFields"`
	Essential   bool      `yaml:"essential"`
	RateLimit   *fileRate `yaml:"rateLimit"`
}

type fileRate struct {
	PerSecond float64 `yaml:"perSecond"`
	Burst     int     `yaml:"burst"`
}

// maxFileBytes bounds the callers file: thousands of callers fit well
// under it.
const maxFileBytes = 4 << 20

// Keys is a set of callers found by the SHA-256 of their key.
type Keys struct {
	sums    [][sha256.Size]byte
	callers []*sfgate.Caller
}

// Len returns the number of callers.
func (k *Keys) Len() int { return len(k.callers) }

// Names returns the callers' names, in file order.
func (k *Keys) Names() []string {
	out := make([]string, len(k.callers))
	for i, c := range k.callers {
		out[i] = c.Name
	}
	return out
}

// Lookup returns the caller whose key is key, or nil. Every digest is
// compared, in constant time, so timing tells nothing about which matched
// or how far.
func (k *Keys) Lookup(key string) *sfgate.Caller {
	if k == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(key))
	var found *sfgate.Caller
	for i := range k.sums {
		if subtle.ConstantTimeCompare(sum[:], k.sums[i][:]) == 1 {
			found = k.callers[i]
		}
	}
	return found
}

// ParseFile reads a callers file. Every problem is reported, each naming
// its entry (by name, else by position) and the rule it breaks; values of
// keys are never echoed.
func ParseFile(b []byte) (*Keys, error) {
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("the callers file is larger than %d bytes", maxFileBytes)
	}
	var doc fileDoc
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New(`the callers file is empty (expected "callers:" with at least one entry)`)
	}
	if err := yaml.Load(b, &doc, yaml.WithKnownFields()); err != nil {
		return nil, fmt.Errorf("the callers file is not the YAML or JSON expected: %w", err)
	}
	if len(doc.Callers) == 0 {
		return nil, errors.New(`the callers file lists no callers (expected "callers:" with at least one entry)`)
	}
	k := &Keys{}
	var errs []error
	names, sums := map[string]int{}, map[[sha256.Size]byte]int{}
	for i, fc := range doc.Callers {
		where := fmt.Sprintf("callers[%d]", i)
		if fc.Name != "" {
			where += fmt.Sprintf(" (%q)", fc.Name)
		}
		c, sum, err := parseCaller(fc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if j, dup := names[strings.ToLower(c.Name)]; dup {
			errs = append(errs, fmt.Errorf("%s: the name is already used by callers[%d]", where, j))
			continue
		}
		if j, dup := sums[sum]; dup {
			errs = append(errs, fmt.Errorf("%s: keySHA256 is the same as callers[%d]'s", where, j))
			continue
		}
		names[strings.ToLower(c.Name)], sums[sum] = i, i
		k.sums = append(k.sums, sum)
		k.callers = append(k.callers, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return k, nil
}

// parseCaller checks one entry.
func parseCaller(fc fileCaller) (*sfgate.Caller, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if !isCallerName(fc.Name) {
		return nil, sum, errors.New("name is required: 1 to 64 letters, digits, '.', '_' or '-'")
	}
	raw, err := hex.DecodeString(strings.TrimSpace(fc.KeySHA256))
	if err != nil || len(raw) != sha256.Size {
		return nil, sum, errors.New("keySHA256 must be 64 hexadecimal digits: the SHA-256 of the key (sha256sum), never the key itself")
	}
	copy(sum[:], raw)
	access, err := NewAccess(fc.Permissions, fc.DenyFields)
	if err != nil {
		return nil, sum, err
	}
	c := &sfgate.Caller{Name: fc.Name, Essential: fc.Essential, Access: access}
	if r := fc.RateLimit; r != nil {
		if r.PerSecond <= 0 || math.IsInf(r.PerSecond, 0) || math.IsNaN(r.PerSecond) || r.Burst < 1 {
			return nil, sum, errors.New("rateLimit needs perSecond > 0 and burst >= 1")
		}
		c.RateLimit = &sfgate.RateLimit{PerSecond: r.PerSecond, Burst: r.Burst}
	}
	return c, sum, nil
}

// isCallerName reports whether s is a name fit for logs and metrics.
func isCallerName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
