//go:build race

package seed

const race = true
