//go:build race

package salesforce

const raceEnabled = true
