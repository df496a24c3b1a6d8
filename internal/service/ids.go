package service

import "fmt"

// idProblem says why s, refused by salesforce.NormalizeID, is not a record
// id, for the message of a MALFORMED_ID problem: the wrong length, a
// character ids do not hold, or (for 18 characters) a checksum suffix that
// does not match the case of the first 15 characters.
func idProblem(s string) string {
	if len(s) != 15 && len(s) != 18 {
		return fmt.Sprintf("is not a Salesforce id: it has %d characters, want 15 or 18", len(s))
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return "is not a Salesforce id: it holds a character other than A-Z, a-z and 0-9"
		}
	}
	if len(s) == 18 {
		return "has a wrong checksum suffix: its last 3 characters do not match the case of its first 15"
	}
	return "is not a valid Salesforce id"
}
