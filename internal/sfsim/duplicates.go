package sfsim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Duplicate rules, armed through the control API: a create, update or
// upsert whose record equals a live record of the object on every field of
// a rule fails with a DuplicateError (SOAP API Developer Guide,
// DuplicateError and DuplicateResult; the types are the v58 WSDL's).

// maxDuplicateRules bounds the rules armed at once (Salesforce allows 5
// active duplicate rules per object).
const (
	maxDuplicateRules = 50
	maxRuleFields     = 10
	// defaultDuplicateMessage is the alert text of Salesforce's standard
	// duplicate rules, which the API returns as the error message.
	defaultDuplicateMessage = "Use one of these records?"
)

// dupRule is one armed rule. JSON names are the control API's.
type dupRule struct {
	Object       string   `json:"object"`
	Fields       []string `json:"fields"`
	Name         string   `json:"name"`
	MatchingRule string   `json:"matchingRule"`
	AllowSave    bool     `json:"allowSave"`
	ErrorMessage string   `json:"errorMessage"`
}

type dupTable struct {
	mu    sync.Mutex
	rules []dupRule
}

func (t *dupTable) add(r dupRule) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.rules) >= maxDuplicateRules {
		return fmt.Errorf("at most %d duplicate rules may be armed", maxDuplicateRules)
	}
	t.rules = append(t.rules, r)
	return nil
}

func (t *dupTable) reset() {
	t.mu.Lock()
	t.rules = nil
	t.mu.Unlock()
}

// forObject returns the rules on object.
func (t *dupTable) forObject(object string) []dupRule {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []dupRule
	for _, r := range t.rules {
		if strings.EqualFold(r.Object, object) {
			out = append(out, r)
		}
	}
	return out
}

// dupOptions is the call's DuplicateRuleHeader: allowSave saves a record
// that only an alerting rule (allowSave) matched; includeRecordDetails adds
// the matched fields' values to each matched record.
type dupOptions struct {
	on                   bool
	allowSave            bool
	includeRecordDetails bool
}

func dupOptionsOf(c *call) dupOptions {
	h := c.soapHeader("DuplicateRuleHeader")
	return dupOptions{on: true, allowSave: h.boolValue("allowSave", false), includeRecordDetails: h.boolValue("includeRecordDetails", false)}
}

// dupMatch is what a DuplicateError reports.
type dupMatch struct {
	rule    dupRule
	entity  string
	records []meta.Record
	details bool
}

// checkDuplicates runs the armed rules of obj against rec, about to be
// saved. The first rule with matches fails the record, unless it only
// alerts and the caller's DuplicateRuleHeader says allowSave. A record
// matches when every field of the rule is set on both and equal, ignoring
// case (blank fields never match, as a matching rule's default
// "NullNotAllowed").
func (wc *writeCall) checkDuplicates(obj *meta.Object, rec meta.Record) *recordError {
	if !wc.dup.on {
		return nil
	}
	for _, rule := range wc.s.dups.forObject(obj.Name) {
		ids := wc.matching(obj, rule, rec)
		if len(ids) == 0 || (rule.AllowSave && wc.dup.allowSave) {
			continue
		}
		m := &dupMatch{rule: rule, entity: obj.Name, details: wc.dup.includeRecordDetails}
		for _, id := range ids {
			m.records = append(m.records, wc.d.get(obj.Name, id))
		}
		e := recErr("DUPLICATES_DETECTED", nil, "%s", rule.ErrorMessage)
		e.dup = m
		return e
	}
	return nil
}

func (wc *writeCall) matching(obj *meta.Object, rule dupRule, rec meta.Record) []string {
	var ids []string
	first, _ := obj.Field(rule.Fields[0])
	if rec[first.Name] == "" {
		return nil
	}
	for _, id := range wc.findByField(obj, &meta.Field{Name: first.Name}, rec[first.Name]) {
		if id == rec["Id"] {
			continue
		}
		other := wc.d.get(obj.Name, id)
		same := true
		for _, name := range rule.Fields[1:] {
			f, _ := obj.Field(name)
			if rec[f.Name] == "" || !strings.EqualFold(rec[f.Name], other[f.Name]) {
				same = false
				break
			}
		}
		if same {
			ids = append(ids, id)
		}
	}
	return ids
}

// writeDuplicateResult writes DuplicateError's duplicateResult in the v58
// WSDL's element order: DuplicateResult (allowSave, duplicateRule,
// duplicateRuleEntityType, errorMessage, matchResults*), MatchResult
// (entityType, errors*, matchEngine, matchRecords*, rule, size, success),
// MatchRecord (additionalInformation*, fieldDiffs*, matchConfidence,
// record).
func writeDuplicateResult(w *xw, m *dupMatch) {
	w.open("duplicateResult")
	w.boolElem("allowSave", m.rule.AllowSave)
	w.elem("duplicateRule", m.rule.Name)
	w.elem("duplicateRuleEntityType", m.entity)
	w.elem("errorMessage", m.rule.ErrorMessage)
	w.open("matchResults")
	w.elem("entityType", m.entity)
	w.elem("matchEngine", "ExactMatchEngine")
	for _, r := range m.records {
		w.open("matchRecords")
		for _, f := range m.rule.Fields {
			w.open("fieldDiffs")
			w.elem("difference", "SAME")
			w.elem("name", f)
			w.close("fieldDiffs")
		}
		w.elem("matchConfidence", "100.0")
		w.openType("record", "sf:sObject")
		w.elem("sf:type", m.entity)
		w.elem("sf:Id", r["Id"])
		if m.details {
			for _, f := range m.rule.Fields {
				w.elem("sf:"+f, r[f])
			}
		}
		w.close("record")
		w.close("matchRecords")
	}
	w.elem("rule", m.rule.MatchingRule)
	w.intElem("size", len(m.records))
	w.boolElem("success", true)
	w.close("matchResults")
	w.close("duplicateResult")
}

// ctlAddDuplicateRule arms a rule: {"object", "fields", "name",
// "matchingRule", "allowSave", "errorMessage"}.
func (s *Server) ctlAddDuplicateRule(w http.ResponseWriter, r *http.Request) {
	var rule dupRule
	if !decodeControl(w, r, &rule) {
		return
	}
	obj, ok := s.sc().Object(rule.Object)
	if !ok {
		writeJSON(w, http.StatusNotFound, controlError{fmt.Sprintf("no object %q", rule.Object)})
		return
	}
	if len(rule.Fields) == 0 || len(rule.Fields) > maxRuleFields {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf(`"fields" must name 1 to %d fields of %s`, maxRuleFields, obj.Name)})
		return
	}
	for i, name := range rule.Fields {
		f, ok := obj.Field(name)
		if !ok || !f.Filterable || f.Name == "Id" || f.Type == "textarea" {
			writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("%s.%s is not a field a matching rule can compare (it must exist, be filterable, and not be Id or a text area)", obj.Name, name)})
			return
		}
		rule.Fields[i] = f.Name
	}
	rule.Object = obj.Name
	if rule.Name == "" {
		rule.Name = "Standard_" + obj.Name + "_Duplicate_Rule"
	}
	if rule.MatchingRule == "" {
		rule.MatchingRule = "Standard_" + obj.Name + "_Match_Rule_v1_0"
	}
	if rule.ErrorMessage == "" {
		rule.ErrorMessage = defaultDuplicateMessage
	}
	if err := s.dups.add(rule); err != nil {
		writeJSON(w, http.StatusConflict, controlError{err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) ctlClearDuplicateRules(w http.ResponseWriter, r *http.Request) {
	s.dups.reset()
	w.WriteHeader(http.StatusNoContent)
}
