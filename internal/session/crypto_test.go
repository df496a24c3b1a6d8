package session

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyringRotation(t *testing.T) {
	t.Parallel()
	oldKey := bytes.Repeat([]byte{1}, 32)
	newKey := bytes.Repeat([]byte{2}, 32)
	before, err := NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	during, err := NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	after, err := NewKeyring(newKey)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("00D000000000001!AQsecret-session")
	aad := []byte("sfgate:{prod}:session")
	sealedOld, err := before.Seal(secret, aad)
	if err != nil {
		t.Fatal(err)
	}
	sealedNew, err := during.Seal(secret, aad)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ring    *Keyring
		blob    []byte
		aad     []byte
		wantErr bool
	}{
		{"old ring opens its own", before, sealedOld, aad, false},
		{"rotating ring opens old blobs", during, sealedOld, aad, false},
		{"rotating ring opens its own", during, sealedNew, aad, false},
		{"new ring opens rotating ring's blobs", after, sealedNew, aad, false},
		{"new ring refuses retired key", after, sealedOld, aad, true},
		{"old ring refuses new key", before, sealedNew, aad, true},
		{"other key name refused", during, sealedNew, []byte("sfgate:{other}:session"), true},
		{"truncated", during, sealedNew[:10], aad, true},
		{"tampered", during, append(append([]byte{}, sealedNew[:len(sealedNew)-1]...), sealedNew[len(sealedNew)-1]^1), aad, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.ring.Open(tt.blob, tt.aad)
			if tt.wantErr {
				if !errors.Is(err, ErrUndecryptable) {
					t.Fatalf("Open err = %v, want ErrUndecryptable", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("Open = %q, %v", got, err)
			}
		})
	}
	if bytes.Contains(sealedNew, secret) || bytes.Contains(sealedNew, []byte("secret-session")) {
		t.Fatal("sealed blob contains the plaintext")
	}
	again, _ := during.Seal(secret, aad)
	if bytes.Equal(again, sealedNew) {
		t.Fatal("two seals of the same value are identical: nonce reuse")
	}
	if !bytes.Equal(sealedNew[1:5], mustID(during)) {
		t.Fatal("blob does not carry the primary key id")
	}
}

func mustID(k *Keyring) []byte { return k.primary.id[:] }

func TestParseKeys(t *testing.T) {
	t.Parallel()
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k2 := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	short := base64.StdEncoding.EncodeToString([]byte("shortkeymaterial"))
	tests := []struct {
		name, in, wantErr string
	}{
		{"one key", k1, ""},
		{"two keys, url alphabet", k1 + ", " + k2, ""},
		{"empty", "", "key 1 is empty"},
		{"not base64", "!!!not-base64!!!", "not base64"},
		{"short key", short, "16 bytes, want 32"},
		{"repeated key", k1 + "," + k1, "repeats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr, err := ParseKeys(tt.in)
			if tt.wantErr == "" {
				if err != nil || kr == nil {
					t.Fatalf("ParseKeys: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tt.in) && tt.in != "" {
				t.Fatalf("error echoes the key material: %v", err)
			}
		})
	}
}

func TestParseAPIVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, wantErr string }{
		{"58.0", "58.0", ""},
		{"66", "66.0", ""},
		{"v64.0", "64.0", ""},
		{"31.0", "31.0", ""},
		{"30.0", "", "retired"},
		{"21.0", "", "below 31.0"},
		{"58.5", "", "not of the form"},
		{"latest", "", "not of the form"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAPIVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAPIVersion(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestDiscoverVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		listed  []string
		want    string
		wantErr bool
	}{
		{"newest wins regardless of order", []string{"66.0", "31.0", "64.0"}, "66.0", false},
		{"only retired versions", []string{"20.0", "30.0"}, "", true},
		{"empty list", []string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTokenServer(t)
			ts.versions = tt.listed
			got, err := discoverVersion(t.Context(), http.DefaultClient, ts.URL)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("discoverVersion = %q, %v", got, err)
			}
		})
	}
}

func TestLoadRSAKey(t *testing.T) {
	t.Parallel()
	key := testRSAKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	_, ecKey, _ := ed25519.GenerateKey(nil)
	ed8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	dir := t.TempDir()
	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), ""},
		{"pkcs8 after a certificate", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...), ""},
		{"not RSA", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ed8}), "not RSA"},
		{"garbage", []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"), "malformed"},
		{"no PEM", []byte("hello"), "no PEM private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pem")
			if err := os.WriteFile(p, tt.pem, 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := LoadRSAKey(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !k.Equal(key) {
				t.Fatalf("LoadRSAKey: %v", err)
			}
		})
	}
	if _, err := LoadRSAKey(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "SF_JWT_KEY_FILE") {
		t.Fatalf("missing file: %v", err)
	}
}
