package chunker

import (
	"errors"
	"fmt"
	"math"
)

const (
	// WindowSize is the number of bytes the rolling hash sees: whether a
	// cut may follow a byte depends on that byte and the 63 before it.
	WindowSize = 64

	// MaxChunkSize bounds Params.Max, so that a chunk size fits Chunk.Size
	// and Split's buffers stay reasonable.
	MaxChunkSize = 256 << 20
)

// ErrParams is wrapped by every error Params.Validate returns.
var ErrParams = errors.New("chunker: invalid params")

// Params bounds chunk sizes in bytes. Every chunk except a stream's last is
// at least Min and at most Max bytes long. Avg is the size up to which cut
// candidates are rare (probability 1/(4*Avg) a byte) and after which they
// are common (4/Avg a byte): FastCDC's normalized chunking, level 2, which
// concentrates chunk sizes around Avg. On random data the mean chunk is
// about 1.1*Avg for DefaultParams.
type Params struct {
	Min, Avg, Max int
}

// DefaultParams returns the parameters p2psb publishes with: 256 KiB,
// 1 MiB and 4 MiB. Changing them changes every chunk address.
func DefaultParams() Params {
	return Params{Min: 256 << 10, Avg: 1 << 20, Max: 4 << 20}
}

// Validate reports whether p can be used: WindowSize <= Min <= Avg <= Max
// <= MaxChunkSize. Small values are allowed (tests and fuzzing use them).
func (p Params) Validate() error {
	switch {
	case p.Min < WindowSize:
		return fmt.Errorf("%w: min %d is below the %d-byte window", ErrParams, p.Min, WindowSize)
	case p.Avg < p.Min:
		return fmt.Errorf("%w: avg %d is below min %d", ErrParams, p.Avg, p.Min)
	case p.Max < p.Avg:
		return fmt.Errorf("%w: max %d is below avg %d", ErrParams, p.Max, p.Avg)
	case p.Max > MaxChunkSize:
		return fmt.Errorf("%w: max %d is above %d", ErrParams, p.Max, MaxChunkSize)
	}
	return nil
}

// thresholds returns the rolling-hash bounds below which a byte is a cut
// candidate: strict before Avg, loose from Avg on.
func (p Params) thresholds() (strict, loose uint64) {
	per := math.MaxUint64 / uint64(p.Avg)
	return per / 4, per * 4
}
