package sfgate

// TypeOf is SOQL's TYPEOF on a polymorphic relationship (Task.What,
// Case.Owner, …): the fields to read for each runtime type of the parent
// (When, keyed by object name) and, optionally, for any other type (Else,
// fields of the Name object).
type TypeOf struct {
	Relationship string              `json:"relationship"`
	When         map[string][]string `json:"when"`
	Else         []string            `json:"else,omitempty"`
}

// Aggregate is one aggregate function of an aggregate query: Function is
// COUNT, COUNT_DISTINCT, SUM, AVG, MIN or MAX, Field the field (or parent
// path) it reads, Alias the record key its value comes back under (else
// Salesforce's expr0, expr1, … counting unaliased aggregates in order).
type Aggregate struct {
	Function string `json:"function"`
	Field    string `json:"field"`
	Alias    string `json:"alias,omitempty"`
}

// The values of StructuredQuery.GroupByMode besides "" (plain GROUP BY).
const (
	GroupByRollup = "rollup"
	GroupByCube   = "cube"
)
