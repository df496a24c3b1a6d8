package main

import (
	"net"
	"strings"

	"github.com/sfgate/sfgate/internal/salesforce"
)

// sentinelConfig reaches Redis through Redis Sentinel instead of REDIS_URL:
// the sentinels named in REDIS_SENTINEL_ADDRS tell the gateway which server
// is the master REDIS_SENTINEL_MASTER now, and go-redis follows a failover
// by itself (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/).
type sentinelConfig struct {
	Master string   // REDIS_SENTINEL_MASTER: the master's name in the sentinels' configuration
	Addrs  []string // REDIS_SENTINEL_ADDRS: host:port of each sentinel, comma-separated
	// Password is the master's (REDIS_PASSWORD), SentinelPassword the
	// sentinels' own (REDIS_SENTINEL_PASSWORD); both optional.
	Password, SentinelPassword salesforce.Secret
}

// Enabled reports whether Redis is reached through Sentinel.
func (s sentinelConfig) Enabled() bool { return s.Master != "" || len(s.Addrs) > 0 }

// parseSentinel reads the REDIS_SENTINEL_* variables and REDIS_PASSWORD.
func parseSentinel(env func(k, def string) string, errs *[]error) sentinelConfig {
	s := sentinelConfig{
		Master:           env("REDIS_SENTINEL_MASTER", ""),
		Password:         salesforce.Secret(env("REDIS_PASSWORD", "")),
		SentinelPassword: salesforce.Secret(env("REDIS_SENTINEL_PASSWORD", "")),
	}
	for _, a := range strings.Split(env("REDIS_SENTINEL_ADDRS", ""), ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
			badf(errs, "REDIS_SENTINEL_ADDRS entry %q is not host:port", a)
			continue
		}
		s.Addrs = append(s.Addrs, a)
	}
	switch {
	case s.Master != "" && len(s.Addrs) == 0:
		badf(errs, "REDIS_SENTINEL_MASTER is set but REDIS_SENTINEL_ADDRS is not: name the sentinels (host:port,host:port)")
	case s.Master == "" && len(s.Addrs) > 0:
		badf(errs, "REDIS_SENTINEL_ADDRS is set but REDIS_SENTINEL_MASTER is not: name the master the sentinels monitor")
	case !s.Enabled() && (s.Password != "" || s.SentinelPassword != ""):
		badf(errs, "REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD are used only with REDIS_SENTINEL_MASTER; with REDIS_URL put the password in the URL")
	}
	return s
}

// masked describes the Sentinel settings for the start-up log.
func (s sentinelConfig) masked() map[string]any {
	if !s.Enabled() {
		return nil
	}
	set := func(v salesforce.Secret) bool { return v != "" }
	return map[string]any{
		"REDIS_SENTINEL_MASTER": s.Master, "REDIS_SENTINEL_ADDRS": strings.Join(s.Addrs, ","),
		"REDIS_PASSWORD": set(s.Password), "REDIS_SENTINEL_PASSWORD": set(s.SentinelPassword),
	}
}
