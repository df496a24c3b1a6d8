// Package xsdcheck validates SOAP envelopes against the XML Schemas of
// Salesforce's Partner WSDL (v58.0) with a real schema validator, xmllint
// from libxml2, so that the proof does not rest on our own XML code.
//
// The schemas in schemas/ are cut out of testdata/partner.wsdl by
// `go generate` (see gen_schemas.go; a test keeps them equal to the WSDL),
// beside a hand-written SOAP 1.1 envelope schema, schemas/envelope.xsd,
// that validates every Body entry, Header entry and fault detail strictly
// against its global declaration in the Partner schemas.
package xsdcheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

//go:generate go run gen_schemas.go

//go:embed schemas/*.xsd
var schemaFS embed.FS

// EntrySchema is the file, inside the schema directory, handed to
// xmllint --schema.
const EntrySchema = "envelope.xsd"

// MaxDocumentSize bounds one document handed to the validator.
const MaxDocumentSize = 32 << 20

// MaxBatch bounds the number of documents validated by one xmllint process.
const MaxBatch = 256

// Invalid is the error returned for a document that is not valid: not
// well-formed, or not valid against the schemas. It is distinct from the
// errors that mean the validator could not run.
type Invalid struct {
	// Messages is what xmllint printed about the document, one message a
	// line, with the temporary file name replaced by "envelope".
	Messages string
}

func (e *Invalid) Error() string {
	return "xsdcheck: envelope is not valid against the Partner WSDL schemas:\n" + e.Messages
}

// Validate fails t, without stopping it, when envelope is not valid. The
// failure shows xmllint's messages and the envelope itself.
func Validate(t testing.TB, envelope []byte) {
	t.Helper()
	if err := ValidateBytes(t.Context(), envelope); err != nil {
		t.Errorf("%v\n--- envelope (%d bytes) ---\n%s", err, len(envelope), Excerpt(envelope))
	}
}

// Excerpt returns the envelope for a failure message, cut to 64 KiB.
func Excerpt(envelope []byte) string {
	const max = 64 << 10
	if len(envelope) <= max {
		return string(envelope)
	}
	return string(envelope[:max]) + fmt.Sprintf("\n… (%d more bytes)", len(envelope)-max)
}

// ValidateBytes validates one document. It returns nil when the document
// is valid, an *Invalid when it is not, and another error when xmllint
// could not be run.
func ValidateBytes(ctx context.Context, doc []byte) error {
	errs, err := ValidateAll(ctx, [][]byte{doc})
	if err != nil {
		return err
	}
	return errs[0]
}

// ValidateAll validates several documents with one xmllint process per
// MaxBatch documents, so the schemas are compiled once for all of them. It
// returns one result per document (nil or *Invalid), or an error when
// xmllint could not be run.
func ValidateAll(ctx context.Context, docs [][]byte) ([]error, error) {
	dir, err := schemaDir()
	if err != nil {
		return nil, err
	}
	out := make([]error, 0, len(docs))
	for start := 0; start < len(docs); start += MaxBatch {
		end := min(start+MaxBatch, len(docs))
		errs, err := validateBatch(ctx, dir, docs[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, errs...)
	}
	return out, nil
}

// slots bounds the number of xmllint processes running at once.
var slots = make(chan struct{}, max(2, runtime.NumCPU()))

func validateBatch(ctx context.Context, schemas string, docs [][]byte) ([]error, error) {
	for i, d := range docs {
		if len(d) > MaxDocumentSize {
			return nil, fmt.Errorf("xsdcheck: document %d is %d bytes, more than %d", i, len(d), MaxDocumentSize)
		}
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	work, err := os.MkdirTemp("", "xsdcheck-")
	if err != nil {
		return nil, fmt.Errorf("xsdcheck: %w", err)
	}
	defer os.RemoveAll(work)
	names := make([]string, len(docs))
	for i, d := range docs {
		names[i] = filepath.Join(work, "doc"+strconv.Itoa(i)+".xml")
		if err := os.WriteFile(names[i], d, 0o600); err != nil {
			return nil, fmt.Errorf("xsdcheck: %w", err)
		}
	}

	args := append([]string{"--noout", "--nonet", "--schema", filepath.Join(schemas, EntrySchema)}, names...)
	cmd := exec.CommandContext(ctx, "xmllint", args...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr // --noout: nothing expected, keep it for the record
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &exit):
		// 1: a document is not well-formed; 3 and 4: a document is invalid.
		// Anything else (5: the schemas do not compile, 9: out of memory, …)
		// means the check itself failed.
		if c := exit.ExitCode(); c != 1 && c != 3 && c != 4 {
			return nil, fmt.Errorf("xsdcheck: xmllint exited with %d: %s", c, stderr.String())
		}
	default:
		return nil, fmt.Errorf("xsdcheck: run xmllint (Debian package libxml2-utils): %w", runErr)
	}
	return attribute(stderr.String(), work, len(docs))
}

// attribute splits xmllint's output among the documents work/doc<i>.xml.
// xmllint starts each message about a file with the file's name and ends
// with "<name> validates" or "<name> fails to validate"; continuation lines
// (the source excerpt and caret of a parser error) belong to the file named
// last.
func attribute(output, work string, n int) ([]error, error) {
	prefix := filepath.Join(work, "doc")
	msgs := make([][]string, n)
	verdict := make([]string, n)
	cur := -1
	for line := range strings.Lines(output) {
		line = strings.TrimRight(line, "\n")
		if line == "" {
			continue
		}
		if i, rest, ok := owner(line, prefix, n); ok {
			cur = i
			switch rest {
			case " validates", " fails to validate":
				verdict[i] = rest
				continue
			}
			msgs[i] = append(msgs[i], "envelope"+rest)
			continue
		}
		if cur < 0 {
			return nil, fmt.Errorf("xsdcheck: unexpected xmllint output: %s", output)
		}
		msgs[cur] = append(msgs[cur], line)
	}
	errs := make([]error, n)
	for i := range n {
		switch {
		case verdict[i] == " validates" && len(msgs[i]) == 0:
		case len(msgs[i]) > 0:
			// Includes warnings on a valid document (none are expected from
			// these schemas): failing keeps them visible.
			errs[i] = &Invalid{Messages: strings.Join(msgs[i], "\n")}
		case verdict[i] != "":
			errs[i] = &Invalid{Messages: "envelope" + verdict[i]}
		default:
			return nil, fmt.Errorf("xsdcheck: xmllint said nothing about document %d: %s", i, output)
		}
	}
	return errs, nil
}

// owner reports which document a line of xmllint output is about, and the
// rest of the line after the file name.
func owner(line, prefix string, n int) (int, string, bool) {
	rest, ok := strings.CutPrefix(line, prefix)
	if !ok {
		return 0, "", false
	}
	num, rest, ok := strings.Cut(rest, ".xml")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= n {
		return 0, "", false
	}
	return i, rest, true
}

var (
	dirOnce sync.Once
	dirPath string
	dirErr  error
)

// schemaDir writes the embedded schemas to a directory named after their
// content hash, once per process and, when the user cache directory is
// usable, once per machine: xmllint reads schemas from files only.
func schemaDir() (string, error) {
	dirOnce.Do(func() { dirPath, dirErr = writeSchemas() })
	return dirPath, dirErr
}

func writeSchemas() (string, error) {
	files, err := fs.Glob(schemaFS, "schemas/*.xsd")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	contents := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := schemaFS.ReadFile(f)
		if err != nil {
			return "", err
		}
		contents[filepath.Base(f)] = b
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(f), len(b))
		h.Write(b)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]

	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "sfgate-xsdcheck", sum)
	if complete(dir, contents) {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("xsdcheck: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), sum+".tmp-")
	if err != nil {
		return "", fmt.Errorf("xsdcheck: %w", err)
	}
	for name, b := range contents {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("xsdcheck: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process won the race: use its copy if it is whole.
		os.RemoveAll(tmp)
		if !complete(dir, contents) {
			return "", fmt.Errorf("xsdcheck: install schemas in %s: %w", dir, err)
		}
	}
	return dir, nil
}

func complete(dir string, contents map[string][]byte) bool {
	for name, want := range contents {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			return false
		}
	}
	return true
}
