package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 130
)

// usageError is a mistake in how p2psb was called.
type usageError struct{ msg string }

func (e *usageError) Error() string      { return e.msg }
func (e *usageError) InvalidInput() bool { return true }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// noArgs refuses the positional arguments of a command that takes none,
// naming it as typed ("buddy ls").
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return usageErrorf("%s takes no arguments", strings.TrimPrefix(c.Command.HelpName, c.App.HelpName+" "))
	}
	return nil
}

// invalidInput is implemented by errors, from any package, that blame the
// input rather than the machine.
type invalidInput interface{ InvalidInput() bool }

// exitCode maps the error a command returned to the process's exit code.
// ctx is the root context: once a signal cancelled it, the run was
// interrupted whatever error that caused.
func exitCode(ctx context.Context, err error) int {
	var bad invalidInput
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		return exitInterrupted
	case errors.As(err, &bad) && bad.InvalidInput():
		return exitBadInput
	default:
		return exitFailure
	}
}
