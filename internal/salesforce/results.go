package salesforce

import (
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Decoders of the operations' result elements. Each is called with the
// scanner positioned just after the start of an element and consumes it.

func (d *decoder) statusError() partner.StatusError {
	sc := d.sc
	var e partner.StatusError
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "statusCode":
			e.StatusCode = strings.TrimSpace(sc.text())
		case "message":
			e.Message = sc.text()
		case "fields":
			if t.nil {
				sc.skip()
				continue
			}
			e.Fields = append(e.Fields, sc.text())
		case "extendedErrorDetails":
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				if t.local == "extendedErrorCode" {
					e.ExtendedErrorCodes = append(e.ExtendedErrorCodes, strings.TrimSpace(sc.text()))
				} else {
					sc.skip()
				}
			}
		case "duplicateResult":
			// An xsi:type="DuplicateError" (WSDL v58): the element is what
			// tells, whatever the prefix of the type.
			if t.nil {
				sc.skip()
				continue
			}
			e.Duplicate = d.duplicateResult()
		default:
			sc.skip()
		}
	}
	return e
}

// duplicateResult decodes a DuplicateResult: the rule that fired and what
// each of its matching rules found.
func (d *decoder) duplicateResult() *partner.DuplicateResult {
	sc := d.sc
	r := &partner.DuplicateResult{}
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "allowSave":
			r.AllowSave = sc.boolean()
		case "duplicateRule":
			r.DuplicateRule = sc.text()
		case "duplicateRuleEntityType":
			r.DuplicateRuleEntityType = sc.text()
		case "errorMessage":
			r.ErrorMessage = sc.text()
		case "matchResults":
			r.MatchResults = append(r.MatchResults, d.matchResult())
		default:
			sc.skip()
		}
	}
	return r
}

func (d *decoder) matchResult() partner.MatchResult {
	sc := d.sc
	var m partner.MatchResult
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "entityType":
			m.EntityType = sc.text()
		case "errors":
			if t.nil {
				sc.skip()
				continue
			}
			m.Errors = append(m.Errors, d.statusError())
		case "matchEngine":
			m.MatchEngine = sc.text()
		case "matchRecords":
			m.MatchRecords = append(m.MatchRecords, d.matchRecord())
		case "rule":
			m.Rule = sc.text()
		case "size":
			m.Size = sc.integer()
		case "success":
			m.Success = sc.boolean()
		default:
			sc.skip()
		}
	}
	return m
}

func (d *decoder) matchRecord() partner.MatchRecord {
	sc := d.sc
	var m partner.MatchRecord
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "additionalInformation", "fieldDiffs":
			var a, b string // name and value, or name and difference
			for t2, ok := sc.child(); ok; t2, ok = sc.child() {
				switch t2.local {
				case "name":
					a = sc.text()
				case "value", "difference":
					b = strings.TrimSpace(sc.text())
				default:
					sc.skip()
				}
			}
			if t.local == "fieldDiffs" {
				m.FieldDiffs = append(m.FieldDiffs, partner.FieldDiff{Name: a, Difference: b})
			} else {
				m.AdditionalInformation = append(m.AdditionalInformation, partner.NameValue{Name: a, Value: b})
			}
		case "matchConfidence":
			m.MatchConfidence = strings.TrimSpace(sc.text())
		case "record":
			if t.nil {
				sc.skip()
				continue
			}
			d.record(&m.Record, false)
		default:
			sc.skip()
		}
	}
	return m
}

// writeResult decodes the fields shared by SaveResult, UpsertResult,
// DeleteResult, UndeleteResult, MergeResult and LeadConvertResult.
type writeResult struct {
	id, accountID, contactID, leadID, opportunityID, personAccountID string
	success, created                                                 bool
	errors                                                           []partner.StatusError
	merged, updatedRelated                                           []string
}

func (d *decoder) writeResult() writeResult {
	sc := d.sc
	var r writeResult
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "id":
			r.id = sc.text()
		case "success":
			r.success = sc.boolean()
		case "created":
			r.created = sc.boolean()
		case "errors":
			if t.nil {
				sc.skip()
				continue
			}
			r.errors = append(r.errors, d.statusError())
		case "mergedRecordIds":
			r.merged = append(r.merged, sc.text())
		case "updatedRelatedIds":
			r.updatedRelated = append(r.updatedRelated, sc.text())
		case "accountId":
			r.accountID = sc.text()
		case "contactId":
			r.contactID = sc.text()
		case "leadId":
			r.leadID = sc.text()
		case "opportunityId":
			r.opportunityID = sc.text()
		case "relatedPersonAccountId":
			r.personAccountID = sc.text()
		default:
			sc.skip()
		}
	}
	return r
}

// results calls each for every <result> child of the response element.
func (d *decoder) results(each func(nilResult bool)) {
	sc := d.sc
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		if t.local != "result" {
			sc.skip()
			continue
		}
		each(t.nil)
	}
}

func (d *decoder) saveResults() []partner.SaveResult {
	var out []partner.SaveResult
	d.results(func(isNil bool) {
		r := d.writeResult()
		out = append(out, partner.SaveResult{ID: r.id, Success: r.success, Errors: r.errors})
	})
	return out
}

func (d *decoder) upsertResults() []partner.UpsertResult {
	var out []partner.UpsertResult
	d.results(func(bool) {
		r := d.writeResult()
		out = append(out, partner.UpsertResult{ID: r.id, Success: r.success, Created: r.created, Errors: r.errors})
	})
	return out
}

func (d *decoder) deleteResults() []partner.DeleteResult {
	var out []partner.DeleteResult
	d.results(func(bool) {
		r := d.writeResult()
		out = append(out, partner.DeleteResult{ID: r.id, Success: r.success, Errors: r.errors})
	})
	return out
}

func (d *decoder) undeleteResults() []partner.UndeleteResult {
	var out []partner.UndeleteResult
	d.results(func(bool) {
		r := d.writeResult()
		out = append(out, partner.UndeleteResult{ID: r.id, Success: r.success, Errors: r.errors})
	})
	return out
}

func (d *decoder) mergeResults() []partner.MergeResult {
	var out []partner.MergeResult
	d.results(func(bool) {
		r := d.writeResult()
		out = append(out, partner.MergeResult{ID: r.id, Success: r.success, Errors: r.errors,
			MergedRecordIDs: r.merged, UpdatedRelatedIDs: r.updatedRelated})
	})
	return out
}

func (d *decoder) leadConvertResults() []partner.LeadConvertResult {
	var out []partner.LeadConvertResult
	d.results(func(bool) {
		r := d.writeResult()
		out = append(out, partner.LeadConvertResult{LeadID: r.leadID, AccountID: r.accountID, ContactID: r.contactID,
			OpportunityID: r.opportunityID, RelatedPersonAccountID: r.personAccountID,
			Success: r.success, Errors: r.errors})
	})
	return out
}

// queryResponse decodes the single result of query, queryAll, queryMore.
func (d *decoder) queryResponse() *partner.QueryResult {
	var qr *partner.QueryResult
	d.results(func(isNil bool) {
		if isNil || qr != nil {
			d.sc.skip()
			return
		}
		qr = &partner.QueryResult{}
		d.queryResult(qr)
	})
	return qr
}

// retrieveResults decodes retrieve's results: one per requested id, nil for
// an id Salesforce could not return.
func (d *decoder) retrieveResults() []*partner.Record {
	var out []*partner.Record
	d.results(func(isNil bool) {
		if isNil {
			d.sc.skip()
			out = append(out, nil)
			return
		}
		r := d.newRecord()
		d.record(r, false)
		out = append(out, r)
	})
	return out
}

func (d *decoder) searchResult() *partner.SearchResult {
	sc := d.sc
	res := &partner.SearchResult{}
	d.results(func(isNil bool) {
		if isNil {
			sc.skip()
			return
		}
		for t, ok := sc.child(); ok; t, ok = sc.child() {
			switch t.local {
			case "queryId":
				res.QueryID = sc.text()
			case "searchRecords":
				var sr partner.SearchRecord
				for t, ok := sc.child(); ok; t, ok = sc.child() {
					switch t.local {
					case "record":
						d.record(&sr.Record, false)
					case "snippet":
						for t, ok := sc.child(); ok; t, ok = sc.child() {
							if t.local == "text" {
								sr.SnippetText = sc.text()
							} else {
								sc.skip()
							}
						}
					default:
						sc.skip()
					}
				}
				res.Records = append(res.Records, sr)
			default:
				sc.skip()
			}
		}
	})
	return res
}

func (d *decoder) userInfo() *GetUserInfoResult {
	sc := d.sc
	u := &GetUserInfoResult{}
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "accessibilityMode":
			u.AccessibilityMode = sc.boolean()
		case "chatterExternal":
			u.ChatterExternal = sc.boolean()
		case "currencySymbol":
			u.CurrencySymbol = sc.text()
		case "orgAttachmentFileSizeLimit":
			u.OrgAttachmentFileSizeLimit = sc.integer()
		case "orgDefaultCurrencyIsoCode":
			u.OrgDefaultCurrencyIsoCode = sc.text()
		case "orgDefaultCurrencyLocale":
			u.OrgDefaultCurrencyLocale = sc.text()
		case "orgDisallowHtmlAttachments":
			u.OrgDisallowHTMLAttachments = sc.boolean()
		case "orgHasPersonAccounts":
			u.OrgHasPersonAccounts = sc.boolean()
		case "organizationId":
			u.OrganizationID = sc.text()
		case "organizationMultiCurrency":
			u.OrganizationMultiCurrency = sc.boolean()
		case "organizationName":
			u.OrganizationName = sc.text()
		case "profileId":
			u.ProfileID = sc.text()
		case "roleId":
			u.RoleID = sc.text()
		case "sessionSecondsValid":
			u.SessionSecondsValid = sc.integer()
		case "userDefaultCurrencyIsoCode":
			u.UserDefaultCurrencyIsoCode = sc.text()
		case "userEmail":
			u.UserEmail = sc.text()
		case "userFullName":
			u.UserFullName = sc.text()
		case "userId":
			u.UserID = sc.text()
		case "userLanguage":
			u.UserLanguage = sc.text()
		case "userLocale":
			u.UserLocale = sc.text()
		case "userName":
			u.UserName = sc.text()
		case "userTimeZone":
			u.UserTimeZone = sc.text()
		case "userType":
			u.UserType = sc.text()
		case "userUiSkin":
			u.UserUISkin = sc.text()
		default:
			sc.skip()
		}
	}
	return u
}

func (d *decoder) userInfoResponse() *GetUserInfoResult {
	var u *GetUserInfoResult
	d.results(func(bool) {
		if u != nil {
			d.sc.skip()
			return
		}
		u = d.userInfo()
	})
	return u
}

func (d *decoder) loginResponse() *LoginResult {
	sc := d.sc
	var lr *LoginResult
	d.results(func(bool) {
		if lr != nil {
			sc.skip()
			return
		}
		lr = &LoginResult{}
		for t, ok := sc.child(); ok; t, ok = sc.child() {
			switch t.local {
			case "metadataServerUrl":
				lr.MetadataServerURL = sc.text()
			case "passwordExpired":
				lr.PasswordExpired = sc.boolean()
			case "sandbox":
				lr.Sandbox = sc.boolean()
			case "serverUrl":
				lr.ServerURL = sc.text()
			case "sessionId":
				lr.SessionID = Secret(strings.TrimSpace(sc.text()))
			case "userId":
				lr.UserID = sc.text()
			case "userInfo":
				if t.nil {
					sc.skip()
					continue
				}
				lr.UserInfo = d.userInfo()
			default:
				sc.skip()
			}
		}
	})
	return lr
}

func (d *decoder) serverTimestamp() (time.Time, bool) {
	sc := d.sc
	var ts time.Time
	found := false
	d.results(func(bool) {
		for t, ok := sc.child(); ok; t, ok = sc.child() {
			if t.local != "timestamp" {
				sc.skip()
				continue
			}
			v := strings.TrimSpace(sc.text())
			p, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				sc.errorf(sc.pos, "invalid timestamp "+v)
				continue
			}
			ts, found = p, true
		}
	})
	return ts, found
}
