package chunker

// cutter finds where chunks end. Its rule, fixed forever:
//
// Let h(i) be the gear hash of the window ending at byte i, the sum over
// k in [0, 64) of gear[data[i-k]] << k (mod 2^64). A chunk starting at s
// ends after the first byte i whose chunk size z = i+1-s satisfies
//
//	Min <= z < Avg  and h(i) < strict, or
//	Avg <= z <= Max and h(i) < loose,
//
// else after Max bytes, or at the end of the data. Since Min >= 64 the
// window of every byte checked lies inside its chunk, so a cut depends only
// on the 64 bytes before it and the distance to the previous cut.
type cutter struct {
	min, avg, max int
	strict, loose uint64
}

func newCutter(p Params) cutter {
	s, l := p.thresholds()
	return cutter{min: p.Min, avg: p.Avg, max: p.Max, strict: s, loose: l}
}

// next returns the size of the chunk that starts at data[0]. When final is
// false more data may follow data; next then returns ok false if the cut
// cannot be known from data alone.
func (c *cutter) next(data []byte, final bool) (size int, ok bool) {
	n := len(data)
	limit := min(n, c.max)
	if limit < c.min {
		return n, final
	}
	var h uint64
	for _, b := range data[c.min-WindowSize : c.min-1] {
		h = h<<1 + gear[b]
	}
	i := c.min - 1 // the byte whose hash is checked first
	if end := min(c.avg-1, limit); i < end {
		j, hh := scan(data[i:end], h, c.strict)
		if j >= 0 {
			return i + j, true
		}
		h, i = hh, end
	}
	if i < limit {
		if j, _ := scan(data[i:limit], h, c.loose); j >= 0 {
			return i + j, true
		}
	}
	if n >= c.max {
		return c.max, true
	}
	return n, final
}

// Boundaries returns the cut points of data under p: the end offset of
// each chunk, in increasing order, the last being len(data) (none for
// empty data). Split cuts any stream of the same bytes at the same points.
// It panics if p is not valid.
func Boundaries(data []byte, p Params) []int {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	c := newCutter(p)
	var cuts []int
	for s := 0; s < len(data); {
		z, _ := c.next(data[s:], true)
		s += z
		cuts = append(cuts, s)
	}
	return cuts
}
