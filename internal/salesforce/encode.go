package salesforce

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// envWriter writes request XML. Element names are either constants of this
// package or validated API names; every value goes through text(), which
// escapes it and refuses characters XML 1.0 cannot carry. The first error
// sticks and is reported by finish.
type envWriter struct {
	b   []byte
	err *Error
	op  string
}

func (w *envWriter) open(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

func (w *envWriter) close(name string) {
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// leaf writes <name>value</name>; field names the value in errors.
func (w *envWriter) leaf(name, field, value string) {
	w.open(name)
	w.text(field, value)
	w.close(name)
}

func (w *envWriter) nilLeaf(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, ` xsi:nil="true"/>`...)
}

func (w *envWriter) boolLeaf(name string, v bool) {
	w.open(name)
	w.b = strconv.AppendBool(w.b, v)
	w.close(name)
}

func (w *envWriter) intLeaf(name string, v int) {
	w.open(name)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
	w.close(name)
}

// text appends value escaped. Carriage returns are written as &#13; so
// the receiving parser does not normalise them away; tabs and line feeds
// are written as they are.
func (w *envWriter) text(field, value string) {
	if w.err != nil {
		return
	}
	if i, r, bad := InvalidXMLChar(value); bad {
		what := fmt.Sprintf("U+%04X", r)
		if r == utf8.RuneError {
			what = "invalid UTF-8"
		}
		w.err = &Error{Op: w.op, Kind: KindInvalidInput, Code: CodeInvalidCharacter,
			Message: fmt.Sprintf("value of %s holds a character XML 1.0 cannot carry (%s at byte %d)", field, what, i),
			Fields:  []string{field}}
		return
	}
	last := 0
	for i := 0; i < len(value); i++ {
		var esc string
		switch value[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		case '\r':
			esc = "&#13;"
		default:
			continue
		}
		w.b = append(w.b, value[last:i]...)
		w.b = append(w.b, esc...)
		last = i + 1
	}
	w.b = append(w.b, value[last:]...)
}

// InvalidXMLChar finds the first character of s that XML 1.0 cannot carry
// and its byte offset: C0 controls other than tab, LF and CR, U+FFFE,
// U+FFFF, surrogates (which UTF-8 cannot encode validly) and invalid UTF-8
// (reported as utf8.RuneError). SOAP bodies are XML 1.0, so a value
// holding one can never reach Salesforce; the envelope writer refuses it,
// and callers check first to say so in their own words.
func InvalidXMLChar(s string) (i int, r rune, bad bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i, rune(c), true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i, utf8.RuneError, true
		}
		if !isXMLChar(r) {
			return i, r, true
		}
		i += n
	}
	return 0, 0, false
}

// ValidName reports whether s is a Salesforce API name (an object, field
// or relationship name) usable as an XML element name: a letter, then
// letters, digits and underscores, at most 255 bytes.
func ValidName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// validName is ValidName under the name client.go calls it by; it goes
// once that file (being split by another change) calls ValidName.
func validName(s string) bool { return ValidName(s) }

func (w *envWriter) refuse(code, msg string, fields ...string) {
	if w.err == nil {
		w.err = &Error{Op: w.op, Kind: KindInvalidInput, Code: code, Message: msg, Fields: fields}
	}
}

// sObject writes one record as an ens:sObject: type, fieldsToNull, Id
// (nil when empty, as the schema requires the element), then the fields in
// the sobject namespace. A field with Parent is a relationship set by
// external id: a nested element with the parent's type and external id
// field only ("foreign key by external id"); it is lax <any> content for
// the schema, and an Id element there would be read as the key.
func (w *envWriter) sObject(elem string, r *Record, path string) {
	w.sObjectAt(elem, r, path, false)
}

func (w *envWriter) sObjectAt(elem string, r *Record, path string, nested bool) {
	if !validName(r.Type) {
		w.refuse("INVALID_TYPE", fmt.Sprintf("%s: invalid sObject type %q", path, r.Type), "type")
		return
	}
	w.open(elem)
	w.leaf("sf:type", path+".type", r.Type)
	for _, f := range r.Fields {
		if f.Nil && !nested {
			if !validName(f.Name) {
				w.refuse(CodeInvalidField, fmt.Sprintf("%s: invalid field name %q", path, f.Name), f.Name)
				return
			}
			w.leaf("sf:fieldsToNull", path+"."+f.Name, f.Name)
		}
	}
	if r.ID == "" {
		if !nested {
			w.nilLeaf("sf:Id")
		}
	} else {
		id, err := NormalizeID(r.ID)
		if err != nil {
			e := err.(*Error)
			e.Op = w.op
			e.Message = path + ": " + e.Message
			e.Fields = []string{"Id"}
			if w.err == nil {
				w.err = e
			}
			return
		}
		w.leaf("sf:Id", path+".Id", id)
	}
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Nil {
			continue
		}
		if !validName(f.Name) || f.Name == "Id" || f.Name == "type" || f.Name == "fieldsToNull" {
			w.refuse(CodeInvalidField, fmt.Sprintf("%s: invalid field name %q", path, f.Name), f.Name)
			return
		}
		name := "sf:" + f.Name
		switch {
		case f.Parent != nil:
			w.sObjectAt(name, f.Parent, path+"."+f.Name, true)
		case f.Children != nil || f.Compound != nil:
			w.refuse(CodeInvalidField, fmt.Sprintf("%s: field %s: child records and compound values cannot be written", path, f.Name), f.Name)
			return
		default:
			w.leaf(name, path+"."+f.Name, f.Value)
		}
	}
	w.close(elem)
}
