package jsonw

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// stdlib is what encoding/json writes for s: json.Marshal when html,
// an Encoder with SetEscapeHTML(false) when not.
func stdlib(t testing.TB, s string, html bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkString fails t unless AppendString and AppendHTMLEscaped write what
// encoding/json writes for s, wherever s starts and ends against the
// eight-byte steps.
func checkString(t testing.TB, s string) {
	t.Helper()
	for _, html := range []bool{false, true} {
		want := stdlib(t, s, html)
		if got := AppendString([]byte("x"), s, html); !bytes.Equal(got[1:], want) {
			t.Fatalf("AppendString(%q, html=%v) = %q, want %q", s, html, got[1:], want)
		}
	}
	if got, want := AppendHTMLEscaped([]byte("x"), stdlib(t, s, false)), stdlib(t, s, true); !bytes.Equal(got[1:], want) {
		t.Fatalf("AppendHTMLEscaped(%q) = %q, want %q", s, got[1:], want)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	special := []string{"\"", "\\", "<", ">", "&", "\x00", "\x1f", "\x7f", "\x80", "\xff", "é", "\u2028", "\u2029", "\U0001F600", "\t", "\n"}
	for _, sp := range special {
		for pad := range 18 {
			checkString(t, strings.Repeat("a", pad)+sp+strings.Repeat("b", 17-pad))
			checkString(t, strings.Repeat("a", pad)+sp)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab <>&\"\\\x01\x1f\x7f\xc3\xa9\xe2\x80\xa8\xff")
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkString(t, string(b))
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain ascii text, long enough")
	f.Add("<a href=\"x\">&amp;</a>\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}
