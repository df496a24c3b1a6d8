package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// sentinelEnv is a valid Sentinel configuration with both passwords.
var sentinelEnv = with(clientCreds, "CACHE_ENCRYPTION_KEY", testCacheKey,
	"REDIS_SENTINEL_MASTER", "mymaster", "REDIS_SENTINEL_ADDRS", " sentinel-0:26379, sentinel-1:26379 ,",
	"REDIS_PASSWORD", "master-pw", "REDIS_SENTINEL_PASSWORD", "sentinel-pw")

func TestParseSentinel(t *testing.T) {
	t.Parallel()
	for _, tt := range []configCase{
		{name: "sentinel", env: sentinelEnv, check: func(t *testing.T, c Config) {
			s := c.RedisSentinel
			if !c.UsesRedis() || s.Master != "mymaster" || !slices.Equal(s.Addrs, []string{"sentinel-0:26379", "sentinel-1:26379"}) ||
				s.Password.Reveal() != "master-pw" || s.SentinelPassword.Reveal() != "sentinel-pw" {
				t.Errorf("sentinel = %+v, uses Redis %v", s, c.UsesRedis())
			}
			b, _ := json.Marshal(c.masked())
			if strings.Contains(string(b), "master-pw") || strings.Contains(string(b), "sentinel-pw") {
				t.Errorf("masked config leaks a Redis password: %s", b)
			}
			if !strings.Contains(string(b), `"REDIS_SENTINEL_ADDRS":"sentinel-0:26379,sentinel-1:26379"`) {
				t.Errorf("masked config does not show the sentinels: %s", b)
			}
		}},
		{name: "sentinel with a key prefix", env: with(sentinelEnv, "REDIS_KEY_PREFIX", "team-a:"), check: func(t *testing.T, c Config) {
			if c.RedisKeyPrefix != "team-a:" {
				t.Errorf("RedisKeyPrefix %q", c.RedisKeyPrefix)
			}
		}},
		{name: "no redis at all", env: clientCreds, check: func(t *testing.T, c Config) {
			if c.UsesRedis() || c.RedisSentinel.Enabled() {
				t.Errorf("uses Redis without REDIS_URL or Sentinel: %+v", c.RedisSentinel)
			}
		}},
		{name: "master without sentinels", env: with(sentinelEnv, "REDIS_SENTINEL_ADDRS", ""),
			wantErr: []string{"REDIS_SENTINEL_MASTER is set but REDIS_SENTINEL_ADDRS is not"}},
		{name: "sentinels without master", env: with(sentinelEnv, "REDIS_SENTINEL_MASTER", ""),
			wantErr: []string{"REDIS_SENTINEL_ADDRS is set but REDIS_SENTINEL_MASTER is not"}},
		{name: "sentinel address without port", env: with(sentinelEnv, "REDIS_SENTINEL_ADDRS", "sentinel-0"),
			wantErr: []string{`REDIS_SENTINEL_ADDRS entry "sentinel-0" is not host:port`}},
		{name: "both REDIS_URL and sentinel", env: with(sentinelEnv, "REDIS_URL", "redis://127.0.0.1:6379/0"),
			wantErr: []string{"REDIS_URL and REDIS_SENTINEL_MASTER are both set"}},
		{name: "sentinel without encryption key", env: with(sentinelEnv, "CACHE_ENCRYPTION_KEY", ""),
			wantErr: []string{"CACHE_ENCRYPTION_KEY is required when REDIS_URL or REDIS_SENTINEL_MASTER is set"}},
		{name: "a Redis password without sentinel", env: with(clientCreds, "REDIS_PASSWORD", "pw"),
			wantErr: []string{"REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD are used only with REDIS_SENTINEL_MASTER"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkConfigCase(t, tt)
		})
	}
}
