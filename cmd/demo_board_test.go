package cmd

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/demo"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// TestDemoBoardSettlesOnTheTablesRate: once the demo is done, each peer's
// bar shows the rate the table prints, not the last momentary one.
func TestDemoBoardSettlesOnTheTablesRate(t *testing.T) {
	var out bytes.Buffer
	line := fetch.Progress{Progress: xfer.Progress{Done: 64 << 20, Total: 64 << 20, Rate: 80 << 20, Peers: 3}}
	b := &demoBoard{w: &out, lines: []fetch.Progress{line}}
	res := &demo.Result{Peers: []demo.Peer{{MBps: 43.4, Seconds: 1.55}}}
	b.settle(res)
	b.draw()
	var table bytes.Buffer
	require.NoError(t, printDemo(&table, res))
	tableRate := regexp.MustCompile(`peer1 .*?\s([0-9.]+)\s+[0-9.]+ [KMG]?i?B`).FindStringSubmatch(table.String())
	require.NotNil(t, tableRate, table.String())
	require.Contains(t, out.String(), " "+tableRate[1]+" MiB/s", "bar: %q; table: %q", out.String(), table.String())
}
