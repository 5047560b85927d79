package chunker

//go:generate go run gen_gear.go

// scan rolls the gear hash h over b and returns one past the index of the
// first byte after which h < thr (or -1 if none), and the hash at that
// point (or after all of b).
//
// The loop takes 16 bytes at a time, in four groups of four written out by
// hand (a helper function is not inlined and halves the speed). Within a
// group the four hashes are derived from h directly:
//
//	h<<1 + g0, h<<2 + t1, h<<3 + t2, h<<4 + t3   where t(k) = t(k-1)<<1 + g(k)
//
// so the chain from one group's h to the next is one shift and one add
// instead of four of each. A group with a candidate is rescanned bytewise.
func scan(b []byte, h, thr uint64) (int, uint64) {
	i := 0
	for ; i+16 <= len(b); i += 16 {
		w := b[i : i+16 : i+16]
		g0, g1, g2, g3 := gear[w[0]], gear[w[1]], gear[w[2]], gear[w[3]]
		t1 := g0<<1 + g1
		t2 := t1<<1 + g2
		h4 := h<<4 + (t2<<1 + g3)
		if h<<1+g0 < thr || h<<2+t1 < thr || h<<3+t2 < thr || h4 < thr {
			break
		}
		g4, g5, g6, g7 := gear[w[4]], gear[w[5]], gear[w[6]], gear[w[7]]
		t5 := g4<<1 + g5
		t6 := t5<<1 + g6
		h8 := h4<<4 + (t6<<1 + g7)
		if h4<<1+g4 < thr || h4<<2+t5 < thr || h4<<3+t6 < thr || h8 < thr {
			h, i = h4, i+4
			break
		}
		g8, g9, g10, g11 := gear[w[8]], gear[w[9]], gear[w[10]], gear[w[11]]
		t9 := g8<<1 + g9
		t10 := t9<<1 + g10
		h12 := h8<<4 + (t10<<1 + g11)
		if h8<<1+g8 < thr || h8<<2+t9 < thr || h8<<3+t10 < thr || h12 < thr {
			h, i = h8, i+8
			break
		}
		g12, g13, g14, g15 := gear[w[12]], gear[w[13]], gear[w[14]], gear[w[15]]
		t13 := g12<<1 + g13
		t14 := t13<<1 + g14
		h16 := h12<<4 + (t14<<1 + g15)
		if h12<<1+g12 < thr || h12<<2+t13 < thr || h12<<3+t14 < thr || h16 < thr {
			h, i = h12, i+12
			break
		}
		h = h16
	}
	j, h := scanBytes(b[i:], h, thr)
	if j >= 0 {
		j += i
	}
	return j, h
}

// scanBytes is scan one byte at a time.
func scanBytes(b []byte, h, thr uint64) (int, uint64) {
	for i, c := range b {
		h = h<<1 + gear[c]
		if h < thr {
			return i + 1, h
		}
	}
	return -1, h
}
