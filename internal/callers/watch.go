package callers

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// DefaultPollInterval is how often a callers file is checked for change.
const DefaultPollInterval = 5 * time.Second

// File is a callers file kept current: it is read again every poll
// interval and, when its content changed and parses, replaces the set in
// use. A file that does not parse keeps the previous set and is logged.
//
// It polls the content, not the inode or the modification time: a
// Kubernetes Secret volume updates by swapping a symlink (..data) to a new
// directory, so the file's path stays the same while what it resolves to
// changes, and the copied file's mtime says nothing reliable.
// (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod:
// "mounted Secrets are updated automatically".)
type File struct {
	path string
	keys atomic.Pointer[Keys]
	sum  [sha256.Size]byte
}

// LoadFile reads path; it must parse. The error names the file and every
// entry at fault.
func LoadFile(path string) (*File, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseFile(b)
	if err != nil {
		return nil, fmt.Errorf("callers file %s: %w", path, err)
	}
	f := &File{path: path, sum: sha256.Sum256(b)}
	f.keys.Store(k)
	return f, nil
}

func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("callers file: %w", err)
	}
	defer func() { _ = fh.Close() }()
	b, err := io.ReadAll(io.LimitReader(fh, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("callers file %s: %w", path, err)
	}
	return b, nil
}

// Keys returns the set in use.
func (f *File) Keys() *Keys { return f.keys.Load() }

// Reload reads the file again and reports whether the set changed. On an
// error the previous set stays in use.
func (f *File) Reload() (bool, error) {
	b, err := readFile(f.path)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(b)
	if sum == f.sum {
		return false, nil
	}
	k, err := ParseFile(b)
	if err != nil {
		// Remember the bad content so it is logged once, not every poll.
		f.sum = sum
		return false, fmt.Errorf("callers file %s: %w", f.path, err)
	}
	f.sum = sum
	f.keys.Store(k)
	return true, nil
}

// Watch reloads the file every interval until ctx ends, logging each
// change (the callers' names) and each failure (the rule broken; the file
// holds only digests, and messages never echo them).
func (f *File) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	log := zerolog.Ctx(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := f.Reload()
		switch {
		case err != nil:
			log.Error().Str("error", err.Error()).Msg("callers file not reloaded; the previous callers stay in force")
		case changed:
			k := f.Keys()
			log.Info().Int("callers", k.Len()).Strs("names", k.Names()).Msg("callers file reloaded")
		}
	}
}
