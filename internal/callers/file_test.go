package callers

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

func digest(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

const (
	billingKey = "billing-key-0123456789"
	crmKey     = "crm-key-0123456789abcdef"
)

var yamlFile = `callers:
  - name: billing
    keySHA256: ` + digest(billingKey) + `
    permissions: ["Contact:read", "Contact:query"]
    denyFields: [Contact.Email]
    essential: true
    rateLimit: {perSecond: 5, burst: 10}
  - name: crm
    keySHA256: ` + strings.ToUpper(digest(crmKey)) + `
    permissions:
      - "*:*"
`

var jsonFile = `{"callers": [{"name": "billing", "keySHA256": "` + digest(billingKey) + `", "permissions": ["Contact:read"]}]}`

func TestParseFile(t *testing.T) {
	t.Parallel()
	k, err := ParseFile([]byte(yamlFile))
	if err != nil {
		t.Fatal(err)
	}
	b := k.Lookup(billingKey)
	if b == nil || b.Name != "billing" || !b.Essential || b.RateLimit == nil || *b.RateLimit != (sfgate.RateLimit{PerSecond: 5, Burst: 10}) {
		t.Fatalf("billing = %+v", b)
	}
	if !b.Allows("contact", sfgate.ActionQuery) || b.Allows("Account", sfgate.ActionRead) || !b.FieldDenied("Contact", "email") {
		t.Errorf("billing's access is not what the file says")
	}
	c := k.Lookup(crmKey)
	if c == nil || c.Name != "crm" || c.Essential || c.RateLimit != nil || !c.Allows("", sfgate.ActionAdmin) {
		t.Errorf("crm = %+v (an upper-case digest must match too)", c)
	}
	if k.Lookup("billing-key-012345678") != nil || k.Lookup("") != nil || k.Lookup(digest(billingKey)) != nil {
		t.Error("a wrong key, an empty key or the digest itself matched")
	}
	j, err := ParseFile([]byte(jsonFile))
	if err != nil {
		t.Fatalf("JSON form: %v", err)
	}
	if j.Lookup(billingKey) == nil {
		t.Error("JSON form: billing not found")
	}
}

func TestParseFileRefuses(t *testing.T) {
	t.Parallel()
	entry := func(body string) string { return "callers:\n  - " + body + "\n" }
	good := "keySHA256: " + digest("k") + ", permissions: [\"Contact:read\"]"
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"empty", "", []string{"is empty"}},
		{"no entries", "callers: []\n", []string{"lists no callers"}},
		{"not yaml", "callers: [", []string{"not the YAML or JSON expected"}},
		{"unknown member", entry("{name: a, " + good + ", denyFeilds: [User.Email]}"), []string{"denyFeilds"}},
		{"no name", entry("{" + good + "}"), []string{"callers[0]", "name is required"}},
		{"bad hex", entry(`{name: a, keySHA256: "zz", permissions: []}`), []string{`callers[0] ("a")`, "64 hexadecimal digits"}},
		{"key instead of digest", entry(`{name: a, keySHA256: "my-secret-key-0123", permissions: []}`), []string{"never the key itself"}},
		{"unknown action", entry(`{name: a, keySHA256: "` + digest("k") + `", permissions: ["Contact:write"]}`), []string{`callers[0] ("a")`, `unknown action "write"`}},
		{"malformed permission", entry(`{name: a, keySHA256: "` + digest("k") + `", permissions: ["Contact"]}`), []string{"is not Object:action"}},
		{"bad rate", entry("{name: a, " + good + ", rateLimit: {perSecond: 0, burst: 1}}"), []string{"rateLimit needs"}},
		{"duplicate name", "callers:\n  - {name: a, " + good + "}\n  - {name: A, keySHA256: " + digest("j") + "}\n", []string{`callers[1] ("A")`, "already used by callers[0]"}},
		{"duplicate key", "callers:\n  - {name: a, " + good + "}\n  - {name: b, " + good + "}\n", []string{`callers[1] ("b")`, "same as callers[0]"}},
		{"every problem at once", "callers:\n  - {name: a, keySHA256: x}\n  - {name: b, keySHA256: y}\n", []string{`("a")`, `("b")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile([]byte(tt.file))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "my-secret-key") {
				t.Errorf("err %q echoes the key", err)
			}
		})
	}
}

// TestFileReload: a changed file replaces the set; a bad one keeps the
// previous set; a Kubernetes-style symlink swap (..data pointing at a new
// directory) is seen although the path never changes.
func TestFileReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(gen, content string) {
		t.Helper()
		d := filepath.Join(dir, gen)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "callers.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(gen, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	write("gen1", jsonFile)
	if err := os.Symlink(filepath.Join("..data", "callers.yaml"), filepath.Join(dir, "callers.yaml")); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(filepath.Join(dir, "callers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := f.Reload(); changed || err != nil {
		t.Errorf("unchanged file: changed %v, err %v", changed, err)
	}
	if f.Keys().Lookup(crmKey) != nil {
		t.Fatal("crm known before it was added")
	}

	write("gen2", yamlFile)
	if changed, err := f.Reload(); !changed || err != nil {
		t.Fatalf("after the swap: changed %v, err %v", changed, err)
	}
	if f.Keys().Lookup(crmKey) == nil {
		t.Error("crm not known after the swap")
	}

	write("gen3", "callers:\n  - {name: broken, keySHA256: nothex}\n")
	changed, err := f.Reload()
	if changed || err == nil || !strings.Contains(err.Error(), `("broken")`) {
		t.Errorf("bad file: changed %v, err %v", changed, err)
	}
	if f.Keys().Lookup(crmKey) == nil || f.Keys().Lookup(billingKey) == nil {
		t.Error("a bad file dropped the previous callers")
	}
	if changed, err := f.Reload(); changed || err != nil {
		t.Errorf("the same bad file again: changed %v, err %v (logged once, not every poll)", changed, err)
	}

	if err := os.Remove(filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Reload(); err == nil || f.Keys().Lookup(crmKey) == nil {
		t.Errorf("missing file: err %v; the previous callers must stay", err)
	}
}

func TestLoadFileRefusesBadFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "callers.yaml")
	if err := os.WriteFile(p, []byte("callers:\n  - {name: ops, keySHA256: "+digest("k")+", permissions: [\"Account:admin\"]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `("ops")`) || !strings.Contains(err.Error(), "*:admin") {
		t.Errorf("err %v, want the file, the entry and the rule", err)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
}
