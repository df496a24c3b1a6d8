// Package salesforce is a typed client for the Salesforce SOAP Partner API:
// it builds envelopes with an XML encoder, decodes answers as a stream,
// turns faults into *partner.Error, retries what is safe to retry, and asks
// a SessionSource for the session of every call. Its requests and answers
// are the types of package partner (the API's vocabulary, without the
// transport). Of the module it imports only partner and the domain package
// (for Secret).
package salesforce
