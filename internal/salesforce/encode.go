package salesforce

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// envWriter writes request XML. Element names are either constants of this
// package or validated API names; every value goes through text(), which
// escapes it and refuses characters XML 1.0 cannot carry. The first error
// sticks and is reported by finish.
type envWriter struct {
	b   []byte
	err *partner.Error
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
	if i, r, bad := partner.InvalidXMLChar(value); bad {
		what := fmt.Sprintf("U+%04X", r)
		if r == utf8.RuneError {
			what = "invalid UTF-8"
		}
		w.err = &partner.Error{Op: w.op, Kind: partner.KindInvalidInput, Code: partner.CodeInvalidCharacter,
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

func (w *envWriter) refuse(code, msg string, fields ...string) {
	if w.err == nil {
		w.err = &partner.Error{Op: w.op, Kind: partner.KindInvalidInput, Code: code, Message: msg, Fields: fields}
	}
}

// sObject writes one record as an ens:sObject: type, fieldsToNull, Id
// (nil when empty, as the schema requires the element), then the fields in
// the sobject namespace. A field with Parent is a relationship set by
// external id: a nested element with the parent's type and external id
// field only ("foreign key by external id"); it is lax <any> content for
// the schema, and an Id element there would be read as the key.
func (w *envWriter) sObject(elem string, r *partner.Record, path string) {
	w.sObjectAt(elem, r, path, false)
}

func (w *envWriter) sObjectAt(elem string, r *partner.Record, path string, nested bool) {
	if !partner.ValidName(r.Type) {
		w.refuse("INVALID_TYPE", fmt.Sprintf("%s: invalid sObject type %q", path, r.Type), "type")
		return
	}
	w.open(elem)
	w.leaf("sf:type", path+".type", r.Type)
	for _, f := range r.Fields {
		if f.Nil && !nested {
			if !partner.ValidName(f.Name) {
				w.refuse(partner.CodeInvalidField, fmt.Sprintf("%s: invalid field name %q", path, f.Name), f.Name)
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
		id, err := partner.NormalizeID(r.ID)
		if err != nil {
			e := err.(*partner.Error)
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
		if !partner.ValidName(f.Name) || f.Name == "Id" || f.Name == "type" || f.Name == "fieldsToNull" {
			w.refuse(partner.CodeInvalidField, fmt.Sprintf("%s: invalid field name %q", path, f.Name), f.Name)
			return
		}
		name := "sf:" + f.Name
		switch {
		case f.Parent != nil:
			w.sObjectAt(name, f.Parent, path+"."+f.Name, true)
		case f.Children != nil || f.Compound != nil:
			w.refuse(partner.CodeInvalidField, fmt.Sprintf("%s: field %s: child records and compound values cannot be written", path, f.Name), f.Name)
			return
		default:
			w.leaf(name, path+"."+f.Name, f.Value)
		}
	}
	w.close(elem)
}
