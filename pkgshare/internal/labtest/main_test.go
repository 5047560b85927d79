package labtest_test

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/p2psb/p2psb/cmd"
)

// mainEnv makes the test binary run as the p2psb program.
const mainEnv = "P2PSB_LABTEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cmd.Main(ctx, append([]string{"p2psb"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// p2psbEnv is the environment of a p2psb process: the test's, with no
// P2PSB_* setting (so mDNS is on, as by default), running this binary as
// p2psb.
func p2psbEnv() []string {
	env := []string{mainEnv + "=1"}
	for _, kv := range os.Environ() {
		if len(kv) < 6 || kv[:6] != "P2PSB_" {
			env = append(env, kv)
		}
	}
	return env
}
