// Package salesforce is a typed client for the Salesforce SOAP Partner API:
// it builds envelopes with an XML encoder, decodes answers as a stream,
// turns faults into *Error, retries what is safe to retry, and asks a
// SessionSource for the session of every call. It imports no other sfgate
// package.
package salesforce
