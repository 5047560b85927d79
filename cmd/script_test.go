package cmd_test

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/p2psb/p2psb/cmd"
)

// TestMain lets the test binary act as the p2psb binary inside scripts, so
// every `p2psb` line in testdata/script runs the real program as its own
// process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"p2psb": func() {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			code := cmd.Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Each script
// starts with P2PSB_HOME set to $WORK/home; see scriptCmds for the extra
// commands they may use.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("P2PSB_HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("HOME", filepath.Join(e.WorkDir, "userhome"))
			// Scripts run side by side on one machine: with mDNS their
			// nodes would find each other's. The LAN test turns it on.
			e.Setenv("P2PSB_NO_MDNS", "1")
			return nil
		},
		Cmds:                scriptCmds(),
		Condition:           scriptCondition,
		RequireExplicitExec: false,
	})
}
