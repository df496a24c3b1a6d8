package cache

import "testing"

func TestHashTagAndChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, tag, channel string
	}{
		{Key("prod", "describe", "Account"), "{prod}", "sfgate:invalidate:{prod}"},
		{Key("prod", "describe") + ":", "{prod}", "sfgate:invalidate:{prod}"},
		{"plain", "", "sfgate:invalidate"},
		{"a{}b{c}", "", "sfgate:invalidate"}, // empty first tag: Redis hashes the whole key
		{"a{b", "", "sfgate:invalidate"},
		{"x{b}y{c}", "{b}", "sfgate:invalidate:{b}"},
	}
	for _, tc := range tests {
		if got := hashTag(tc.key); got != tc.tag {
			t.Errorf("hashTag(%q) = %q, want %q", tc.key, got, tc.tag)
		}
		if got := channelFor(DefaultChannel, tc.key); got != tc.channel {
			t.Errorf("channelFor(%q) = %q, want %q", tc.key, got, tc.channel)
		}
		if tc.tag != "" && hashTag(fillKey(tc.key)) != tc.tag {
			t.Errorf("fill lock of %q leaves its slot", tc.key)
		}
	}
}
