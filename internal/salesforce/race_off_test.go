//go:build !race

package salesforce

const raceEnabled = false
