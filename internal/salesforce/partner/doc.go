// Package partner is the vocabulary of the Salesforce SOAP Partner API
// without its transport: records and query results, describe results,
// write results, merge and lead-convert requests, the call options
// (SOAP headers), the one error type with the WSDL's ExceptionCode and
// StatusCode enumerations, login failures, and the id, API-name and
// XML-character checks. The client (package salesforce) speaks it over
// HTTP; the engine (packages service and metadata) speaks it through
// interfaces of its own and so never links the HTTP stack. It imports
// nothing of the module.
package partner
