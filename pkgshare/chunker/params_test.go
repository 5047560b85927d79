package chunker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"default", DefaultParams(), true},
		{"small", smallParams, true},
		{"all equal", Params{Min: 64, Avg: 64, Max: 64}, true},
		{"largest", Params{Min: 64, Avg: MaxChunkSize, Max: MaxChunkSize}, true},
		{"zero", Params{}, false},
		{"min below window", Params{Min: 63, Avg: 256, Max: 1024}, false},
		{"avg below min", Params{Min: 512, Avg: 256, Max: 1024}, false},
		{"max below avg", Params{Min: 64, Avg: 2048, Max: 1024}, false},
		{"max too large", Params{Min: 64, Avg: 1024, Max: MaxChunkSize + 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrParams)
		})
	}
}

func TestThresholds(t *testing.T) {
	strict, loose := DefaultParams().thresholds()
	require.Equal(t, uint64(1)<<42-1, strict, "about 1 in 4 MiB")
	require.Equal(t, uint64(1)<<46-4, loose, "about 1 in 256 KiB")
}
