//go:build race

package metadata

// raceEnabled reports whether the race detector instruments this build; it
// allocates on its own, so allocation counts mean nothing under it.
const raceEnabled = true
