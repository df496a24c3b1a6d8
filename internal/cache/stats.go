package cache

// Stats is a snapshot of a store's counters, for export as metrics. Each
// store fills the fields that apply to it; counters only grow.
type Stats struct {
	// LocalHits and LocalMisses count lookups in the in-process level.
	LocalHits, LocalMisses uint64
	// SharedHits and SharedMisses count lookups in Redis.
	SharedHits, SharedMisses uint64
	// SharedErrors counts Redis commands that failed (unreachable,
	// timed out or answered with an error).
	SharedErrors uint64
	// Loads counts loader calls made by this process; LoadErrors those
	// that failed.
	Loads, LoadErrors uint64
	// Coalesced counts GetOrLoad calls that shared a load already in flight
	// in this process instead of starting their own.
	Coalesced uint64
	// PeerWaits counts loads that waited for another process to fill the
	// shared level instead of calling the loader.
	PeerWaits uint64
	// InvalidationsSent counts invalidations published to other replicas;
	// InvalidationsReceived those applied from other replicas.
	InvalidationsSent, InvalidationsReceived uint64
	// Evictions counts entries the in-process level dropped to stay within
	// its bounds.
	Evictions uint64
	// LocalResets counts the times the in-process level was emptied because
	// invalidations may have been missed (reconnection to Redis).
	LocalResets uint64
	// Entries and Bytes are the in-process level's current size.
	Entries int
	Bytes   int64
	// Degraded reports whether Redis is configured but currently unusable.
	Degraded bool
}
