package cmd

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRate(t *testing.T) {
	cases := []struct {
		in   string
		want int
		bad  bool
	}{
		{in: "", want: 0},
		{in: "0", want: 0},
		{in: "1000", want: 1000},
		{in: "25MiB", want: 25 << 20},
		{in: "25M", want: 25 << 20},
		{in: "2.5MB/s", want: 2500000},
		{in: "500K", want: 500 << 10},
		{in: "1G", want: 1 << 30},
		{in: "fast", bad: true},
		{in: "-1M", bad: true},
		{in: "9999999G", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseRate("max-upload", tc.in)
			if tc.bad {
				require.Error(t, err)
				require.Contains(t, err.Error(), "--max-upload")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
