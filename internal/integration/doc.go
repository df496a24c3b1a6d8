// Package integration holds the cross-package acceptance tests of the
// session manager, the describe service, the two-level cache and the
// Salesforce client: several independent client stacks against an
// in-process sfsim over real HTTP and a real Redis. It has no non-test code.
package integration
