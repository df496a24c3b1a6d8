//go:build unix

package salesforce

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used,
// GC workers included: on a loaded machine it measures the work a decode
// costs where wall time also counts waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
