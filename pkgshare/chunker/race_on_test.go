//go:build race

package chunker

// raceEnabled shrinks test inputs: the race detector slows the gear loop
// about tenfold.
const raceEnabled = true
