package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// writeSelfSigned writes a fresh self-signed certificate for 127.0.0.1
// and its key into dir, and returns the files and the certificate.
func writeSelfSigned(t *testing.T, dir, cn string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// Written beside and renamed over, as a Secret mount swaps them.
	for f, b := range map[string][]byte{
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
	} {
		if err := os.WriteFile(f+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f+".new", f); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, cert
}

// httpsClient trusts only cert.
func httpsClient(cert *x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestTLSListener boots the whole program in --demo with
// GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE set, calls it over
// HTTPS, and checks that plain HTTP is not served.
func TestTLSListener(t *testing.T) {
	t.Parallel()
	certFile, keyFile, cert := writeSelfSigned(t, t.TempDir(), "sfgate-test")
	env := map[string]string{
		"GATEWAY_ADDR": "127.0.0.1:0", "GATEWAY_TLS_CERT_FILE": certFile, "GATEWAY_TLS_KEY_FILE": keyFile,
		"GATEWAY_RATE_LIMIT": "0",
	}
	ctx, cancel := context.WithCancel(t.Context())
	logs := &e2eLog{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--demo"}, envFrom(env), logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var addr string
	select {
	case addr = <-logs.addr:
	case err := <-done:
		t.Fatalf("run returned: %v\n%s", err, logs.tail())
	case <-time.After(30 * time.Second):
		t.Fatalf("not listening after 30s\n%s", logs.tail())
	}
	resp, err := httpsClient(cert).Get("https://" + addr + "/v1/sobjects/Account")
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"Account"`) {
		t.Fatalf("HTTPS describe: %d %.300s", resp.StatusCode, b)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %+v", resp.TLS)
	}
	plain, err := http.Get("http://" + addr + "/healthz")
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS listener")
		}
	}
}

// TestCertReload: a renewed certificate is served without a restart; a
// pair that does not load keeps the old one in use.
func TestCertReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, first := writeSelfSigned(t, dir, "first")
	logger := zerolog.Nop()
	r, err := newCertReloader(certFile, keyFile, &logger)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	r.now = func() time.Time { return clock }
	serving := func() string {
		c, err := r.getCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.Subject.CommonName
	}
	if got := serving(); got != first.Subject.CommonName {
		t.Fatalf("serving %q", got)
	}
	writeSelfSigned(t, dir, "second")
	if got := serving(); got != "first" {
		t.Errorf("files looked at again before checkEvery: serving %q", got)
	}
	clock = clock.Add(r.checkEvery)
	if got := serving(); got != "second" {
		t.Errorf("after renewal: serving %q, want second", got)
	}
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(r.checkEvery)
	if got := serving(); got != "second" {
		t.Errorf("a broken key file replaced the certificate: serving %q", got)
	}
}

func TestDoorConfig(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := writeSelfSigned(t, t.TempDir(), "cfg")
	tests := []configCase{
		{name: "defaults", env: clientCreds, check: func(t *testing.T, c Config) {
			if c.Door.BodyReadTimeout != time.Minute || c.Door.CallerBodyShare != 0.25 || c.Door.MaxUnauthenticated != 64 || c.Door.TLSCertFile != "" {
				t.Errorf("door %+v", c.Door)
			}
		}},
		{name: "set", env: with(clientCreds, "GATEWAY_BODY_READ_TIMEOUT", "5s", "GATEWAY_CALLER_BODY_SHARE", "0.5",
			"GATEWAY_MAX_UNAUTHENTICATED", "8", "GATEWAY_TLS_CERT_FILE", certFile, "GATEWAY_TLS_KEY_FILE", keyFile),
			check: func(t *testing.T, c Config) {
				if c.Door.BodyReadTimeout != 5*time.Second || c.Door.CallerBodyShare != 0.5 || c.Door.MaxUnauthenticated != 8 || c.Door.TLSKeyFile != keyFile {
					t.Errorf("door %+v", c.Door)
				}
			}},
		{name: "share above 1", env: with(clientCreds, "GATEWAY_CALLER_BODY_SHARE", "1.5"), wantErr: []string{"GATEWAY_CALLER_BODY_SHARE"}},
		{name: "share 0", env: with(clientCreds, "GATEWAY_CALLER_BODY_SHARE", "0"), wantErr: []string{"GATEWAY_CALLER_BODY_SHARE"}},
		{name: "no unauthenticated slot", env: with(clientCreds, "GATEWAY_MAX_UNAUTHENTICATED", "0"), wantErr: []string{"GATEWAY_MAX_UNAUTHENTICATED"}},
		{name: "cert without key", env: with(clientCreds, "GATEWAY_TLS_CERT_FILE", certFile), wantErr: []string{"GATEWAY_TLS_KEY_FILE"}},
		{name: "unreadable pair", env: with(clientCreds, "GATEWAY_TLS_CERT_FILE", certFile, "GATEWAY_TLS_KEY_FILE", certFile), wantErr: []string{"GATEWAY_TLS_CERT_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envFrom(tt.env), io.Discard)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("accepted")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
