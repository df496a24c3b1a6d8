package sfgate

// Secret is a string that never prints: fmt, %v, %+v, %#v and JSON all show
// "[redacted]". Use Reveal where the real value must be used. Credentials,
// caller API keys and session ids are Secrets in every package.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return `"[redacted]"` }

// MarshalJSON keeps secrets out of JSON logs and answers.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }
