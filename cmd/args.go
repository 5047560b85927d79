package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed rewrites args so that flags given after a command's
// positional arguments come before them: urfave/cli stops parsing flags at
// the first positional argument, while users expect
// `p2psb publish ./album --json` to work. Everything after "--" stays a
// positional argument, and completionFlag stays last.
func interspersed(app *cli.App, args []string) []string {
	if len(args) == 0 {
		return args
	}
	if n := len(args); n > 1 && args[n-1] == completionFlag {
		// A shell asking for completions: the flag stays last, where
		// urfave/cli looks for it.
		return append(interspersed(app, args[:n-1]), completionFlag)
	}
	out := []string{args[0]}
	flags, cmds := app.Flags, app.Commands
	var pos []string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			out = append(out, "--")
			return append(append(out, pos...), rest[i+1:]...)
		case len(a) > 1 && a[0] == '-':
			out = append(out, a)
			if !strings.Contains(a, "=") && takesValue(flags, a) && i+1 < len(rest) {
				i++
				out = append(out, rest[i])
			}
		case len(pos) == 0 && findCommand(cmds, a) != nil:
			c := findCommand(cmds, a)
			out = append(out, a)
			flags, cmds = c.Flags, c.Subcommands
		default:
			pos = append(pos, a)
		}
	}
	return append(out, pos...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag written as arg expects a value in
// the next argument.
func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if v, ok := f.(interface{ TakesValue() bool }); ok {
				return v.TakesValue()
			}
			return false
		}
	}
	return false
}
