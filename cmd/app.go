package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// Main runs p2psb with args (args[0] is the program name) and returns the
// process exit code. It is the one place where an error becomes a message
// and an exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(&env{stdin: stdin, stdout: stdout, stderr: stderr})
	err := app.RunContext(ctx, interspersed(app, args))
	code := exitCode(ctx, err)
	switch code {
	case exitOK:
	case exitInterrupted:
		fmt.Fprintln(stderr, "p2psb: interrupted")
	default:
		fmt.Fprintf(stderr, "p2psb: %v\n", err)
	}
	return code
}

func newApp(e *env) *cli.App {
	return &cli.App{
		Name:                 "p2psb",
		Usage:                "share packages of files, peer to peer",
		Version:              version(),
		Flags:                globalFlags(),
		Commands:             withGlobalFlags(commands(e)),
		Reader:               e.stdin,
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		Suggest:              true,
		EnableBashCompletion: true,
		// Main reports errors; the default handler would exit the process.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown command %q (see p2psb --help)", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// commands lists every p2psb command.
func commands(e *env) []*cli.Command {
	return []*cli.Command{
		newIDCommand(e),
		newBuddyCommand(e),
		newPeersCommand(e),
		newPublishCommand(e),
		newPackagesCommand(e),
		newFetchCommand(e),
		newShareCommand(e),
		newFollowCommand(e),
		newUnfollowCommand(e),
		newServeCommand(e),
		newStatusCommand(e),
		newLocateCommand(e),
		newRendezvousCommand(e),
		newDemoCommand(e),
		newCompletionCommand(e),
	}
}
