package sfgate

import "strings"

// ValueKind is how the values of a Salesforce field type travel as JSON
// through the gateway: the engine types records by it, and the org-typed
// OpenAPI document describes them by it, so the two cannot disagree.
type ValueKind uint8

// The kinds of values. Numbers of every kind travel as JSON numbers never
// rounded through binary floating point; a multi-select picklist is an
// array of its values.
const (
	ValueString        ValueKind = iota // string, textarea, email, phone, url, combobox, encryptedstring, …
	ValuePicklist                       // picklist
	ValueMultiPicklist                  // multipicklist: an array of strings
	ValueID                             // id, reference
	ValueBool                           // boolean
	ValueInt                            // int
	ValueLong                           // long
	ValueDecimal                        // double, currency, percent
	ValueDate                           // date: YYYY-MM-DD
	ValueDateTime                       // datetime: RFC 3339
	ValueTime                           // time: HH:MM:SS.sssZ
	ValueBase64                         // base64
	ValueAddress                        // address: a read-only compound object
	ValueLocation                       // location: a read-only compound object
	ValueAny                            // anyType: a string, number or boolean
)

// byFieldType and bySoapType say which kind each Salesforce fieldType and
// soapType (without its xsd: or tns: prefix) travels as.
var (
	byFieldType = map[string]ValueKind{
		"id": ValueID, "reference": ValueID, "picklist": ValuePicklist, "multipicklist": ValueMultiPicklist,
		"boolean": ValueBool, "int": ValueInt, "long": ValueLong,
		"double": ValueDecimal, "currency": ValueDecimal, "percent": ValueDecimal,
		"date": ValueDate, "datetime": ValueDateTime, "time": ValueTime, "base64": ValueBase64,
		"address": ValueAddress, "location": ValueLocation, "anyType": ValueAny,
		"string": ValueString, "textarea": ValueString, "email": ValueString, "phone": ValueString,
		"url": ValueString, "combobox": ValueString, "encryptedstring": ValueString,
	}
	bySoapType = map[string]ValueKind{
		"ID": ValueID, "boolean": ValueBool, "int": ValueInt, "long": ValueLong, "double": ValueDecimal,
		"date": ValueDate, "dateTime": ValueDateTime, "time": ValueTime, "base64Binary": ValueBase64,
		"address": ValueAddress, "location": ValueLocation, "anyType": ValueAny,
	}
)

// ValueKindOf maps a describe field to its kind by its fieldType, falling
// back on its soapType for types this gateway does not know by name, and
// on a string (the form Salesforce sends every value in) for the rest.
func ValueKindOf(fieldType, soapType string) ValueKind {
	if k, ok := byFieldType[fieldType]; ok {
		return k
	}
	if k, ok := bySoapType[strings.TrimPrefix(strings.TrimPrefix(soapType, "xsd:"), "tns:")]; ok {
		return k
	}
	return ValueString
}
