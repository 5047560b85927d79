package cmd

import (
	"strconv"
	"strings"
)

// parseRate parses a transfer rate in bytes per second: a number with an
// optional unit, K/M/G or KiB/MiB/GiB (powers of 1024) or KB/MB/GB (powers
// of 1000), and an optional "/s". "" and "0" mean unlimited.
func parseRate(flag, s string) (int, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	if t == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v < 0 || v*mult > 1<<40 {
		return 0, usageErrorf("--%s %q: want a rate such as 25MiB, 500K or 0 for unlimited", flag, s)
	}
	return int(v * mult), nil
}
