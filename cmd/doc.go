// Package cmd is the p2psb command line: a urfave/cli/v2 app with one file
// per command. A command parses its flags into an options struct and calls
// the library through a runX function; it holds no protocol logic.
//
// Conventions every command follows:
//
//   - Global flags (--home, --config, --json, --log-level, --listen,
//     --rendezvous-peer) are accepted before or after the command name and
//     also come from P2PSB_* environment variables and the TOML config
//     file (see globals.go for the order of precedence).
//   - User output goes through one printer (printer.go): a table or plain
//     text on a terminal, one JSON document per command with --json, and
//     JSON lines for progress.
//   - Errors are returned, never printed: Main turns them into a message on
//     stderr and an exit code (errors.go): 0 ok, 1 failure, 2 bad usage or
//     bad input (any error with an InvalidInput() bool method returning
//     true), 130 interrupted.
package cmd
