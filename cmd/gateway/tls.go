package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// certReloader serves the certificate of GATEWAY_TLS_CERT_FILE and
// GATEWAY_TLS_KEY_FILE, and loads them again when either file changes
// (cert-manager and Kubernetes Secret mounts replace them in place), so a
// renewed certificate is used without a restart. The files are looked at
// no more than once per checkEvery; a pair that fails to load keeps the
// previous certificate in use, with a warning.
type certReloader struct {
	certFile, keyFile string
	checkEvery        time.Duration
	logger            *zerolog.Logger
	now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times at the last load
	checked time.Time
}

func newCertReloader(certFile, keyFile string, logger *zerolog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, checkEvery: 5 * time.Second, logger: logger, now: time.Now}
	stamp, err := r.fileStamp()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("GATEWAY_TLS_CERT_FILE/GATEWAY_TLS_KEY_FILE: %w", err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, r.now()
	return r, nil
}

// fileStamp identifies the files' current contents by size and
// modification time (a Secret mount swaps a symlink, which changes both).
func (r *certReloader) fileStamp() (string, error) {
	var s string
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("TLS file: %w", err)
		}
		s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}

// getCertificate is tls.Config.GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.checked) >= r.checkEvery {
		r.checked = now
		r.reloadLocked()
	}
	return r.cert, nil
}

func (r *certReloader) reloadLocked() {
	stamp, err := r.fileStamp()
	if err != nil {
		r.logger.Warn().Err(err).Msg("TLS certificate files cannot be read; serving the certificate loaded before")
		return
	}
	if stamp == r.stamp {
		return
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		// Mid-rotation the two files can disagree for a moment: keep the
		// old pair and try again on a later handshake.
		r.logger.Warn().Err(err).Msg("TLS certificate files changed but do not load; serving the certificate loaded before")
		return
	}
	r.cert, r.stamp = &cert, stamp
	r.logger.Info().Str("cert_file", r.certFile).Msg("TLS certificate reloaded")
}

// tlsConfig is the listener's configuration: TLS 1.2 at least (RFC 9325
// §3.1.1), certificates from r.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.getCertificate}
}
