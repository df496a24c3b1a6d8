package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// badCase is one request the gateway must refuse before Salesforce sees it.
type badCase struct {
	name         string
	method, path string
	body         any      // string: sent as is; else marshalled; nil: no body
	hdr          []string // header name/value pairs
	status       int
	code         string // the problem's code
	field        string // an errors[] entry must name this field or parameter…
	rule         string // …with this code (the rule broken); "" any
	detail       string // the detail must contain this, when set
}

// harmlessOps are the SOAP calls a refused request may still cause: the
// describe refresh an unknown field or object triggers (so a just-added
// custom field is accepted), and a login.
var harmlessOps = []string{"describeSObject", "describeSObjects", "describeGlobal", "login", sfsim.StatOAuthClientCredentials, sfsim.StatOAuthJWTBearer}

// badInputIDs are the real ids and cursors of one org that the bad
// requests break or misuse.
type badInputIDs struct {
	accID, otherAccID, conID, leadID string
	badChecksum                      string // accID with a wrong checksum suffix
	cursor                           string // a real cursor…
	forgedCursor, resignedCursor     string // …and two it is not
}

// accRecords and accQuery are the paths most bad requests aim at.
const (
	accRecords = "/v1/sobjects/Account/records"
	accQuery   = "/v1/sobjects/Account/query"
)

// badBodyCases are malformed bodies and values of the wrong type.
func badBodyCases(f badInputIDs) []badCase {
	acc := accRecords
	return []badCase{
		// Malformed bodies.
		{name: "malformed JSON", method: "POST", path: acc, body: `{"Name": "x",}`, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "malformed"},
		{name: "truncated JSON", method: "POST", path: acc, body: `{"Name": "Acme`, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "malformed"},
		{name: "two JSON values", method: "POST", path: acc, body: `{"Name": "a"} {"Name": "b"}`, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "malformed"},
		{name: "same field twice, other case", method: "POST", path: acc, body: `{"Name": "a", "name": "b"}`, status: 422, code: "VALIDATION_FAILED", field: "Name", rule: "DUPLICATE_FIELD"},
		{name: "same JSON member twice", method: "POST", path: acc, body: `{"Name": "a", "Name": "b"}`, status: 422, code: "VALIDATION_FAILED", field: "Name", rule: "DUPLICATE_FIELD"},
		{name: "same JSON member twice on update", method: "PATCH", path: acc + "/" + f.accID, body: `{"Phone": "1", "Phone": "2"}`, status: 422, code: "VALIDATION_FAILED", field: "Phone", rule: "DUPLICATE_FIELD"},
		{name: "same JSON member twice on upsert", method: "PUT", path: acc + "/by/External_Id__c/E2E-K1", body: `{"Name": "a", "Name": "b"}`, status: 422, code: "VALIDATION_FAILED", field: "Name", rule: "DUPLICATE_FIELD"},
		{name: "same JSON member twice in a batch record, allOrNone", method: "POST", path: acc + "/batch", body: `{"operation": "create", "allOrNone": true, "records": [{"Name": "a"}, {"Name": "b", "Name": "c"}]}`, status: 422, code: "VALIDATION_FAILED", field: "Name", rule: "DUPLICATE_FIELD"},
		{name: "same JSON member twice in merge fields", method: "POST", path: acc + "/" + f.accID + "/merge", body: fmt.Sprintf(`{"mergeIds": [%q], "fields": {"Phone": "1", "Phone": "2"}}`, f.otherAccID), status: 422, code: "VALIDATION_FAILED", field: "Phone", rule: "DUPLICATE_FIELD"},
		{name: "array instead of a record", method: "POST", path: acc, body: `[{"Name": "a"}]`, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "type"},
		{name: "empty record", method: "POST", path: acc, body: `{}`, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "minProperties"},
		{name: "no body", method: "POST", path: acc, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "required"},
		// Wrong types per field type.
		{name: "string for currency", method: "POST", path: acc, body: `{"Name": "a", "AnnualRevenue": "lots"}`, status: 422, code: "VALIDATION_FAILED", field: "AnnualRevenue"},
		{name: "number for boolean", method: "POST", path: acc, body: `{"Name": "a", "Key_Account__c": 1}`, status: 422, code: "VALIDATION_FAILED", field: "Key_Account__c"},
		{name: "string for boolean", method: "POST", path: acc, body: `{"Name": "a", "Key_Account__c": "true"}`, status: 422, code: "VALIDATION_FAILED", field: "Key_Account__c"},
		{name: "fraction for int", method: "POST", path: acc, body: `{"Name": "a", "NumberOfEmployees": 12.5}`, status: 422, code: "VALIDATION_FAILED", field: "NumberOfEmployees"},
		{name: "bad date (Feb 30)", method: "POST", path: acc, body: `{"Name": "a", "Customer_Since__c": "2024-02-30"}`, status: 422, code: "VALIDATION_FAILED", field: "Customer_Since__c"},
		{name: "bad date format", method: "POST", path: acc, body: `{"Name": "a", "Customer_Since__c": "30/01/2024"}`, status: 422, code: "VALIDATION_FAILED", field: "Customer_Since__c"},
		{name: "bad datetime", method: "POST", path: "/v1/sobjects/Invoice__c/records", body: `{"Name": "a", "Paid_At__c": "2024-01-01 10:00"}`, status: 422, code: "VALIDATION_FAILED", field: "Paid_At__c"},
		{name: "datetime without zone", method: "POST", path: "/v1/sobjects/Invoice__c/records", body: `{"Name": "a", "Paid_At__c": "2024-01-01T10:00:00"}`, status: 422, code: "VALIDATION_FAILED", field: "Paid_At__c"},
		{name: "array for scalar", method: "POST", path: acc, body: `{"Name": ["a"]}`, status: 422, code: "VALIDATION_FAILED", field: "Name"},
		{name: "object for scalar", method: "POST", path: acc, body: `{"Name": {"first": "a"}}`, status: 422, code: "VALIDATION_FAILED", field: "Name"},
		{name: "int out of range", method: "POST", path: acc, body: `{"Name": "a", "NumberOfEmployees": 1e12}`, status: 422, code: "VALIDATION_FAILED", field: "NumberOfEmployees"},
		{name: "currency beyond its precision", method: "POST", path: acc, body: `{"Name": "a", "AnnualRevenue": 1e20}`, status: 422, code: "VALIDATION_FAILED", field: "AnnualRevenue"},
		{name: "boolean for percent", method: "POST", path: acc, body: `{"Name": "a", "Health_Score__c": true}`, status: 422, code: "VALIDATION_FAILED", field: "Health_Score__c"},
		{name: "number for date", method: "POST", path: acc, body: `{"Name": "a", "Customer_Since__c": 20240101}`, status: 422, code: "VALIDATION_FAILED", field: "Customer_Since__c"},
		{name: "malformed reference id", method: "POST", path: acc, body: `{"Name": "a", "ParentId": "001-not-an-id"}`, status: 422, code: "VALIDATION_FAILED", field: "ParentId"},
		{name: "string for multipicklist array", method: "POST", path: acc, body: `{"Name": "a", "Regions__c": {"EMEA": true}}`, status: 422, code: "VALIDATION_FAILED", field: "Regions__c"},
		{name: "number for string", method: "POST", path: acc, body: `{"Name": 42}`, status: 422, code: "VALIDATION_FAILED", field: "Name"},
	}
}

// badRecordCases are records describe refuses, characters XML 1.0 cannot
// carry, sizes over the limits, and upserts by the wrong field.
func badRecordCases(f badInputIDs) []badCase {
	acc, q := accRecords, accQuery
	long := strings.Repeat("x", 256)
	big := `{"Name":"` + strings.Repeat("y", 1<<20+10) + `"}`
	tooMany := make([]map[string]any, 10001)
	for i := range tooMany {
		tooMany[i] = map[string]any{"Name": "n"}
	}
	return []badCase{
		// Describe says no.
		{name: "unknown object", method: "POST", path: "/v1/sobjects/NoSuch__c/records", body: `{"Name": "a"}`, status: 404, code: "NOT_FOUND", detail: "NoSuch__c"},
		{name: "unknown field", method: "POST", path: acc, body: `{"Name": "a", "Nope__c": 1}`, status: 422, code: "VALIDATION_FAILED", field: "Nope__c"},
		{name: "read-only field on create", method: "POST", path: acc, body: `{"Name": "a", "CreatedDate": "2024-01-01T00:00:00Z"}`, status: 422, code: "VALIDATION_FAILED", field: "CreatedDate"},
		{name: "read-only field on update", method: "PATCH", path: acc + "/" + f.accID, body: `{"LastModifiedDate": "2024-01-01T00:00:00Z"}`, status: 422, code: "VALIDATION_FAILED", field: "LastModifiedDate"},
		{name: "unknown field cleared with null", method: "PATCH", path: "/v1/sobjects/Contact/records/" + f.conID, body: `{"Nope__c": null}`, status: 422, code: "VALIDATION_FAILED", field: "Nope__c"},
		{name: "missing required field", method: "POST", path: "/v1/sobjects/Contact/records", body: `{"FirstName": "Ada"}`, status: 422, code: "VALIDATION_FAILED", field: "LastName"},
		{name: "null for a required field on update", method: "PATCH", path: acc + "/" + f.accID, body: `{"Name": null}`, status: 422, code: "VALIDATION_FAILED", field: "Name"},
		{name: "too-long string", method: "POST", path: acc, body: `{"Name": "` + long + `"}`, status: 422, code: "VALIDATION_FAILED", field: "Name"},
		{name: "bad restricted picklist value", method: "POST", path: acc, body: `{"Name": "a", "Tier__c": "Unobtainium"}`, status: 422, code: "VALIDATION_FAILED", field: "Tier__c"},
		{name: "body Id differs from the path id", method: "PATCH", path: acc + "/" + f.accID, body: fmt.Sprintf(`{"Id": %q, "Name": "hijack"}`, f.otherAccID), status: 422, code: "VALIDATION_FAILED", field: "Id", rule: "INVALID_ID_FIELD"},
		{name: "Id on create", method: "POST", path: acc, body: fmt.Sprintf(`{"Id": %q, "Name": "a"}`, f.accID), status: 422, code: "VALIDATION_FAILED", field: "Id", rule: "INVALID_FIELD_FOR_INSERT_UPDATE"},
		{name: "upsert body key differs from the path", method: "PUT", path: acc + "/by/External_Id__c/E2E-K1", body: `{"External_Id__c": "E2E-K2", "Name": "a"}`, status: 422, code: "VALIDATION_FAILED", field: "External_Id__c"},
		// Characters XML 1.0 cannot carry.
		{name: "NUL in a value", method: "POST", path: acc, body: `{"Name": "a\u0000b"}`, status: 400, code: "VALIDATION_FAILED", field: "Name", rule: "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"},
		{name: "U+0001 in a value", method: "POST", path: acc, body: `{"Name": "a\u0001b"}`, status: 400, code: "VALIDATION_FAILED", field: "Name", rule: "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"},
		{name: "U+FFFE in a value", method: "PATCH", path: acc + "/" + f.accID, body: `{"Description": "a\uFFFEb"}`, status: 400, code: "VALIDATION_FAILED", field: "Description", rule: "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"},
		{name: "U+0001 in a filter value", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "Name", "op": "=", "value": "a\u0001"}}`, status: 400, code: "VALIDATION_FAILED", rule: "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"},
		// Size limits.
		{name: "oversized body", method: "POST", path: acc, body: big, status: 413, code: "BODY_TOO_LARGE"},
		{name: "batch over 10,000 records", method: "POST", path: acc + "/batch", body: map[string]any{"operation": "create", "records": tooMany}, status: 400, code: "VALIDATION_FAILED", field: "/records", rule: "maxItems"},
		{name: "empty batch", method: "POST", path: acc + "/batch", body: `{"operation": "create", "records": []}`, status: 400, code: "VALIDATION_FAILED", field: "/records", rule: "minItems"},
		{name: "unknown batch operation", method: "POST", path: acc + "/batch", body: `{"operation": "merge", "records": [{"Name": "a"}]}`, status: 400, code: "VALIDATION_FAILED", field: "/operation", rule: "enum"},
		{name: "batch upsert without externalIdField", method: "POST", path: acc + "/batch", body: `{"operation": "upsert", "records": [{"Name": "a"}]}`, status: 400, code: "VALIDATION_FAILED", field: "/externalIdField"},
		{name: "batch update without Id", method: "POST", path: acc + "/batch", body: `{"operation": "update", "allOrNone": true, "records": [{"Name": "a"}]}`, status: 422, code: "VALIDATION_FAILED", field: "Id", rule: "MISSING_ARGUMENT"},
		{name: "batch with an unknown field, allOrNone", method: "POST", path: acc + "/batch", body: `{"operation": "create", "allOrNone": true, "records": [{"Name": "a"}, {"Name": "b", "Nope__c": 1}]}`, status: 422, code: "VALIDATION_FAILED", field: "Nope__c", rule: "UNKNOWN_FIELD"},
		// Upsert.
		{name: "upsert by an unknown external id field", method: "PUT", path: acc + "/by/Nope__c/x1", body: `{"Name": "a"}`, status: 422, code: "VALIDATION_FAILED", field: "path.externalIdField", rule: "UNKNOWN_FIELD"},
		{name: "upsert by a field that is no external id", method: "PUT", path: acc + "/by/Phone/x1", body: `{"Name": "a"}`, status: 422, code: "VALIDATION_FAILED", field: "path.externalIdField", rule: "INVALID_EXTERNAL_ID_FIELD_NAME"},
		{name: "field-name injection in the upsert path", method: "PUT", path: acc + "/by/Name%20FROM%20Account--/x1", body: `{"Name": "a"}`, status: 400, code: "VALIDATION_FAILED", field: "path.externalIdField", rule: "pattern"},
	}
}

// badQueryCases are broken ids, structured queries and raw SOQL.
func badQueryCases(f badInputIDs) []badCase {
	acc, q := accRecords, accQuery
	return []badCase{
		// Ids.
		{name: "14-character id", method: "GET", path: acc + "/" + f.accID[:14], status: 400, code: "VALIDATION_FAILED", field: "path.id", rule: "pattern"},
		{name: "id with a wrong checksum", method: "GET", path: acc + "/" + f.badChecksum, status: 400, code: "MALFORMED_ID", field: "path.id", detail: "checksum"},
		{name: "delete with a wrong checksum", method: "DELETE", path: acc + "/" + f.badChecksum, status: 400, code: "MALFORMED_ID", field: "path.id", detail: "checksum"},
		{name: "delete a contact through Account", method: "DELETE", path: acc + "/" + f.conID, status: 404, code: "NOT_FOUND", detail: f.conID},
		{name: "update a contact through Account", method: "PATCH", path: acc + "/" + f.conID, body: `{"Name": "a"}`, status: 404, code: "NOT_FOUND", detail: f.conID},
		// Structured queries.
		{name: "pageSize below 200", method: "POST", path: q, body: `{"fields": ["Id"], "pageSize": 100}`, status: 400, code: "VALIDATION_FAILED", field: "/pageSize", rule: "minimum"},
		{name: "pageSize above 2000", method: "POST", path: q, body: `{"fields": ["Id"], "pageSize": 5000}`, status: 400, code: "VALIDATION_FAILED", field: "/pageSize", rule: "maximum"},
		{name: "negative limit", method: "POST", path: q, body: `{"fields": ["Id"], "limit": -1}`, status: 400, code: "VALIDATION_FAILED", field: "/limit", rule: "minimum"},
		{name: "field-name injection: FROM and comment", method: "POST", path: q, body: `{"fields": ["Name FROM Account--"]}`, status: 400, code: "VALIDATION_FAILED", field: "/fields/0", rule: "pattern"},
		{name: "field-name injection: subquery", method: "POST", path: q, body: `{"fields": ["Name, (SELECT Id FROM Contacts)"]}`, status: 400, code: "VALIDATION_FAILED", field: "/fields/0", rule: "pattern"},
		{name: "field-name injection in where", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "Name = 'x' OR Id", "op": "!=", "value": null}}`, status: 400, code: "VALIDATION_FAILED", field: "/where/field", rule: "pattern"},
		{name: "field-name injection in orderBy", method: "POST", path: q, body: `{"fields": ["Id"], "orderBy": [{"field": "Name; DELETE"}]}`, status: 400, code: "VALIDATION_FAILED", field: "/orderBy/0/field", rule: "pattern"},
		{name: "unknown field in a query", method: "POST", path: q, body: `{"fields": ["Id", "Nope__c"]}`, status: 422, code: "VALIDATION_FAILED", field: "/fields/1", rule: "UNKNOWN_FIELD"},
		{name: "unknown relationship path", method: "POST", path: q, body: `{"fields": ["Owner.Nope__c"]}`, status: 422, code: "VALIDATION_FAILED", field: "/fields/0", rule: "UNKNOWN_FIELD"},
		{name: "unknown operator", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "Name", "op": "==", "value": "a"}}`, status: 400, code: "VALIDATION_FAILED", field: "/where/op", rule: "enum"},
		{name: "node mixing and with a comparison", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"and": [{"field": "Name", "op": "=", "value": "a"}], "field": "Name", "op": "=", "value": "b"}}`, status: 400, code: "VALIDATION_FAILED", field: "/where", rule: "oneOf"},
		{name: "text for a number in a filter", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "AnnualRevenue", "op": ">", "value": "lots"}}`, status: 422, code: "VALIDATION_FAILED", field: "/where/value"},
		{name: "scalar for in", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "Industry", "op": "in", "value": "Energy"}}`, status: 400, code: "VALIDATION_FAILED", field: "/where/value", rule: "type"},
		{name: "bad orderBy direction", method: "POST", path: q, body: `{"fields": ["Id"], "orderBy": [{"field": "Name", "direction": "sideways"}]}`, status: 400, code: "VALIDATION_FAILED", field: "/orderBy/0/direction", rule: "enum"},
		{name: "null with <", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "AnnualRevenue", "op": "<", "value": null}}`, status: 400, code: "VALIDATION_FAILED", field: "/where/value", rule: "oneOf"},
		{name: "includes on a string field", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "Name", "op": "includes", "value": ["a"]}}`, status: 422, code: "VALIDATION_FAILED", field: "/where/op", rule: "INVALID_QUERY_FILTER_OPERATOR"},
		{name: "like on a number", method: "POST", path: q, body: `{"fields": ["Id"], "where": {"field": "AnnualRevenue", "op": "like", "value": "1%"}}`, status: 422, code: "VALIDATION_FAILED", field: "/where/op", rule: "INVALID_QUERY_FILTER_OPERATOR"},
		{name: "orderBy on a compound field", method: "POST", path: q, body: `{"fields": ["Id"], "orderBy": [{"field": "BillingAddress"}]}`, status: 422, code: "VALIDATION_FAILED", field: "/orderBy/0/field", rule: "INVALID_SORT_OPTION"},
		{name: "child relationship as a field", method: "POST", path: q, body: `{"fields": ["Contacts"]}`, status: 422, code: "VALIDATION_FAILED", field: "/fields/0", rule: "UNKNOWN_FIELD"},
		{name: "query of an unknown object", method: "POST", path: "/v1/sobjects/NoSuch__c/query", body: `{"fields": ["Id"]}`, status: 404, code: "NOT_FOUND", detail: "NoSuch__c"},
		// Raw SOQL.
		{name: "raw SOQL pageSize above 2000", method: "POST", path: "/v1/query", body: `{"soql": "SELECT Id FROM Account", "pageSize": 2001}`, status: 400, code: "VALIDATION_FAILED", field: "/pageSize", rule: "maximum"},
		{name: "raw SOQL empty", method: "POST", path: "/v1/query", body: `{"soql": ""}`, status: 400, code: "VALIDATION_FAILED", field: "/soql", rule: "minLength"},
		{name: "raw SOQL missing", method: "POST", path: "/v1/query", body: `{"query": "SELECT Id FROM Account"}`, status: 400, code: "VALIDATION_FAILED", field: "/soql", rule: "required"},
		{name: "includeDeleted not a boolean", method: "POST", path: "/v1/query", body: `{"soql": "SELECT Id FROM Account", "includeDeleted": "yes"}`, status: 400, code: "VALIDATION_FAILED", field: "/includeDeleted", rule: "type"},
		{name: "raw SOQL with NUL", method: "POST", path: "/v1/query", body: `{"soql": "SELECT Id FROM Account WHERE Name = 'a\u0000'"}`, status: 400, code: "VALIDATION_FAILED", rule: "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"},
	}
}

// badRequestCases are broken cursors, media types, parameters, actions,
// searches and admin calls.
func badRequestCases(f badInputIDs) []badCase {
	acc := accRecords
	return []badCase{
		// Cursors.
		{name: "forged cursor", method: "GET", path: "/v1/query/" + f.forgedCursor, status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "INVALID_CURSOR"},
		{name: "truncated cursor", method: "GET", path: "/v1/query/" + f.cursor[:len(f.cursor)-10], status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "INVALID_CURSOR"},
		{name: "tampered cursor", method: "GET", path: "/v1/query/" + tamper(f.cursor), status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "INVALID_CURSOR"},
		{name: "cursor re-signed with another key", method: "GET", path: "/v1/query/" + f.resignedCursor, status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "INVALID_CURSOR"},
		{name: "cursor too short", method: "GET", path: "/v1/query/abc", status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "minLength"},
		{name: "cursor with foreign characters", method: "GET", path: "/v1/query/" + strings.Repeat("%21", 20), status: 400, code: "VALIDATION_FAILED", field: "path.cursor", rule: "pattern"},
		// Media types.
		{name: "wrong content type", method: "POST", path: acc, body: `Name=a`, hdr: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "content-type"},
		{name: "XML body", method: "POST", path: "/v1/query", body: `<soql>SELECT Id FROM Account</soql>`, hdr: []string{"Content-Type", "text/xml"}, status: 400, code: "VALIDATION_FAILED", field: "body", rule: "content-type"},
		{name: "bad Accept", method: "POST", path: "/v1/query", body: `{"soql": "SELECT Id FROM Account"}`, hdr: []string{"Accept", "application/xml"}, status: 406, code: "NOT_ACCEPTABLE"},
		// Parameters.
		{name: "boolean parameter not a boolean", method: "GET", path: "/v1/sobjects?custom=maybe", status: 400, code: "VALIDATION_FAILED", field: "query.custom"},
		{name: "fields parameter injection", method: "GET", path: acc + "/" + f.accID + "?fields=Name%20FROM%20Account", status: 400, code: "VALIDATION_FAILED", field: "query.fields/0", rule: "pattern"},
		{name: "unknown field in fields parameter", method: "GET", path: acc + "/" + f.accID + "?fields=Name,Nope__c", status: 422, code: "VALIDATION_FAILED", field: "Nope__c"},
		{name: "bad object name", method: "GET", path: "/v1/sobjects/Account%27--", status: 400, code: "VALIDATION_FAILED", field: "path.sobject", rule: "pattern"},
		// Actions, search, admin.
		{name: "merge without ids", method: "POST", path: acc + "/" + f.accID + "/merge", body: `{"mergeIds": []}`, status: 400, code: "VALIDATION_FAILED", field: "/mergeIds", rule: "minItems"},
		{name: "merge a record into itself", method: "POST", path: acc + "/" + f.accID + "/merge", body: fmt.Sprintf(`{"mergeIds": [%q]}`, f.accID), status: 422, code: "VALIDATION_FAILED", field: "/mergeIds/0", rule: "DUPLICATE_ARGUMENT_VALUE"},
		{name: "merge of three", method: "POST", path: acc + "/" + f.accID + "/merge", body: fmt.Sprintf(`{"mergeIds": [%q, %q, %q]}`, f.conID, f.conID[:15], f.accID[:15]), status: 400, code: "VALIDATION_FAILED", field: "/mergeIds", rule: "maxItems"},
		{name: "convert without status", method: "POST", path: "/v1/leads/convert", body: fmt.Sprintf(`{"leadId": %q}`, f.leadID), status: 400, code: "VALIDATION_FAILED", field: "/convertedStatus", rule: "required"},
		{name: "convert a bad lead id", method: "POST", path: "/v1/leads/convert", body: `{"leadId": "00Q-nope", "convertedStatus": "Closed - Converted"}`, status: 400, code: "VALIDATION_FAILED", field: "/leadId", rule: "pattern"},
		{name: "empty SOSL", method: "POST", path: "/v1/search", body: `{"sosl": ""}`, status: 400, code: "VALIDATION_FAILED", field: "/sosl", rule: "minLength"},
		{name: "invalidate a bad object name", method: "POST", path: "/v1/admin/cache/invalidate", body: `{"sobject": "Account; FLUSHALL"}`, status: 400, code: "VALIDATION_FAILED", field: "/sobject", rule: "pattern"},
	}
}

// TestE2EBadInput sends at least 40 kinds of bad request and checks each
// is answered 4xx with problem+json naming the field or parameter and the
// rule, that none of them caused a data call at sfsim (no create, update,
// upsert, delete, query, …), and that the org's records are unchanged
// afterwards.
func TestE2EBadInput(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{seedAccounts: 250})

	// Real ids and a real cursor to break.
	accs := s.soqlAll(t, "SELECT Id FROM Account ORDER BY Id LIMIT 2")
	f := badInputIDs{accID: accs[0]["Id"].(string), otherAccID: accs[1]["Id"].(string)}
	f.conID = s.soqlAll(t, "SELECT Id FROM Contact ORDER BY Id LIMIT 1")[0]["Id"].(string)
	f.leadID = s.soqlAll(t, "SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 1")[0]["Id"].(string)
	page := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account", "pageSize": 200}).json(t)
	f.cursor, _ = page["nextCursor"].(string)
	if f.cursor == "" {
		t.Fatalf("no cursor to forge from: %v", page)
	}
	f.badChecksum = wrongChecksum(f.accID)
	f.forgedCursor = base64.RawURLEncoding.EncodeToString(randomBytes(t, 60))
	f.resignedCursor = resign(t, f.cursor)

	snapshot := orgSnapshot(t, s)

	var cases []badCase
	for _, group := range []func(badInputIDs) []badCase{badBodyCases, badRecordCases, badQueryCases, badRequestCases} {
		cases = append(cases, group(f)...)
	}
	t.Logf("%d cases; a snapshot of %d records to compare afterwards", len(cases), len(snapshot))
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkBadCase(t, s, c) })
	}

	if diff := cmp.Diff(snapshot, orgSnapshot(t, s)); diff != "" {
		t.Errorf("the org's records changed (-before +after):\n%s", diff)
	}
}

// checkBadCase sends c and checks it was refused as c says, without a data
// call reaching Salesforce.
func checkBadCase(t *testing.T, s *stack, c badCase) {
	t.Helper()
	before := s.simStats(t)
	a := s.do(t, c.method, c.path, c.body, c.hdr...)
	after := s.simStats(t)
	for op, n := range after {
		if n != before[op] && !slices.Contains(harmlessOps, op) {
			t.Errorf("the refused request reached Salesforce: %d %s call(s)", n-before[op], op)
		}
	}
	if a.status != c.status {
		t.Errorf("status %d, want %d: %s", a.status, c.status, a)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, a)
	}
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
		Errors []struct {
			Field, Code, Message string
		} `json:"errors"`
	}
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != c.code {
		t.Errorf("code %q, want %q: %s", p.Code, c.code, a)
	}
	if c.detail != "" && !strings.Contains(p.Detail, c.detail) {
		t.Errorf("detail %q does not name %q", p.Detail, c.detail)
	}
	if c.field != "" || c.rule != "" {
		ok := slices.ContainsFunc(p.Errors, func(e struct{ Field, Code, Message string }) bool {
			return (c.field == "" || e.Field == c.field) && (c.rule == "" || e.Code == c.rule) && e.Message != ""
		})
		if !ok {
			t.Errorf("no error names field %q with rule %q: %s", c.field, c.rule, a)
		}
	}
}

// orgSnapshot is every record's id and last modification of the objects the
// bad requests aim at, read through the gateway.
func orgSnapshot(t *testing.T, s *stack) map[string]string {
	t.Helper()
	snap := map[string]string{}
	for _, obj := range []string{"Account", "Contact", "Lead", "Invoice__c"} {
		for _, r := range s.soqlAll(t, "SELECT Id, SystemModstamp FROM "+obj) {
			snap[obj+"/"+r["Id"].(string)] = fmt.Sprint(r["SystemModstamp"])
		}
	}
	return snap
}

// wrongChecksum replaces the first character of an 18-character id's
// checksum suffix with another letter (not just another case, since
// 18-character ids are read case-insensitively).
func wrongChecksum(id string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	i := strings.IndexByte(alphabet, id[15]&^0x20)
	if id[15] >= '0' && id[15] <= '5' {
		i = strings.IndexByte(alphabet, id[15])
	}
	return id[:15] + string(alphabet[(i+1)%len(alphabet)]) + id[16:]
}

// tamper changes one byte in the middle of a cursor's payload, keeping its
// signature.
func tamper(c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return c + "A"
	}
	b[len(b)/4] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(b)
}

// resign replaces a cursor's signature with one made with another key.
func resign(t *testing.T, c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) <= sha256.Size {
		t.Fatalf("cursor %q is not base64url with a trailing HMAC-SHA256", c)
	}
	body := b[:len(b)-sha256.Size]
	m := hmac.New(sha256.New, randomBytes(t, 32))
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(m.Sum(body))
}

// TestE2EBadBatchRecords sends batches whose records are each bad in a
// different way, without allOrNone: every bad record fails alone, at its
// index, naming the field and the rule, and only the good ones reach
// Salesforce; a batch with no good record makes no write call at all.
func TestE2EBadBatchRecords(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})
	accID := s.soqlAll(t, "SELECT Id FROM Account ORDER BY Id LIMIT 1")[0]["Id"].(string)
	conID := s.soqlAll(t, "SELECT Id FROM Contact ORDER BY Id LIMIT 1")[0]["Id"].(string)
	tag := uniq("E2E bad batch")
	type want struct{ field, rule string }
	tests := []struct {
		name      string
		operation string
		records   []map[string]any
		want      []*want // nil: success
		writeOp   string
		calls     int64
	}{
		{"create", "create", []map[string]any{
			{"Name": tag + " good"},
			{"Name": "a\u0001"},
			{"Name": tag, "Nope__c": 1},
			{"Name": tag, "Tier__c": "Unobtainium"},
			{"Name": strings.Repeat("x", 256)},
			{"Name": tag, "CreatedDate": "2024-01-01T00:00:00Z"},
			{"Name": tag, "Key_Account__c": "yes"},
		}, []*want{nil, {"Name", "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"}, {"Nope__c", "UNKNOWN_FIELD"}, {"Tier__c", ""}, {"Name", ""}, {"CreatedDate", ""}, {"Key_Account__c", ""}}, "create", 1},
		{"delete, none good", "delete", []map[string]any{
			{"Id": "bad"}, {"Id": conID}, {"Id": wrongChecksum(accID)}, {"Name": "no id"},
		}, []*want{{"Id", "MALFORMED_ID"}, {"Id", "INVALID_CROSS_REFERENCE_KEY"}, {"Id", "MALFORMED_ID"}, {"Id", ""}}, "delete", 0},
		{"update, none good", "update", []map[string]any{
			{"Id": accID, "LastModifiedDate": "2024-01-01T00:00:00Z"}, {"Id": accID, "Name": nil}, {"Id": conID, "Name": "x"},
		}, []*want{{"LastModifiedDate", ""}, {"Name", ""}, {"Id", ""}}, "update", 0},
	}
	snapshot := orgSnapshot(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.simStats(t)
			a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records/batch", map[string]any{"operation": tc.operation, "records": tc.records})
			after := s.simStats(t)
			if a.status != http.StatusOK {
				t.Fatalf("batch: %s", a)
			}
			var res struct {
				Results []struct {
					Index   int
					Success bool
					Errors  []struct{ Field, Code, Message string }
				}
			}
			if err := json.Unmarshal(a.body, &res); err != nil || len(res.Results) != len(tc.records) {
				t.Fatalf("batch: %v: %s", err, a)
			}
			for i, r := range res.Results {
				w := tc.want[i]
				switch {
				case r.Index != i:
					t.Errorf("result %d has index %d", i, r.Index)
				case w == nil && !r.Success:
					t.Errorf("record %d failed: %+v", i, r)
				case w != nil && (r.Success || !slices.ContainsFunc(r.Errors, func(e struct{ Field, Code, Message string }) bool {
					return e.Field == w.field && (w.rule == "" || e.Code == w.rule)
				})):
					t.Errorf("record %d: %+v, want a failure naming %s (%s)", i, r, w.field, w.rule)
				}
			}
			if got := after[tc.writeOp] - before[tc.writeOp]; got != tc.calls {
				t.Errorf("%d %s calls, want %d", got, tc.writeOp, tc.calls)
			}
		})
	}
	if n := countSOQL(t, s, "SELECT COUNT() FROM Account WHERE Name LIKE '"+tag+"%'"); n != 1 {
		t.Errorf("%d records of the batch reached the org, want only the good one", n)
	}
	after := orgSnapshot(t, s)
	for k, v := range snapshot {
		if after[k] != v {
			t.Errorf("record %s changed: %s → %q", k, v, after[k])
		}
	}
}
