// Command p2psb shares packages of files peer to peer. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/p2psb/p2psb/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
