package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// commandExamples are the examples each command's help shows, by the
// command's name as typed after p2psb.
func commandExamples() map[string][]string {
	return map[string][]string{
		"id":           {"p2psb id", "p2psb id --json          # with its addresses"},
		"buddy":        {"p2psb buddy               # the buddy list"},
		"buddy add":    {"p2psb buddy add 12D3KooW... --alias ana", "p2psb buddy add /ip4/192.0.2.4/tcp/4747/p2p/12D3KooW... --alias ana"},
		"buddy ls":     {"p2psb buddy ls"},
		"buddy rm":     {"p2psb buddy rm ana"},
		"peers":        {"p2psb peers"},
		"peers export": {"p2psb peers export peers.json"},
		"peers import": {"p2psb peers import peers.json"},
		"publish": {"p2psb publish ./album", "p2psb publish ./track.flac --name single",
			"p2psb publish --watch ./album   # a new version after each change, until Ctrl-C"},
		"packages":        {"p2psb packages", "p2psb packages --peer ana   # what ana shares"},
		"packages info":   {"p2psb packages info pkg_...@2"},
		"packages verify": {"p2psb packages verify pkg_..."},
		"packages rm":     {"p2psb packages rm pkg_...@1"},
		"packages prune": {"p2psb packages prune --keep 2 --dry-run   # what would go",
			"p2psb packages prune pkg_... --keep 1"},
		"fetch": {"p2psb fetch pkg_...                 # the newest version, into ./<name>",
			"p2psb fetch pkg_...@1 -o ~/music     # version 1, into ~/music",
			"p2psb fetch pkg_... --seed           # and keep serving it"},
		"follow": {"p2psb follow pkg_...                # every new version, into ./<name>",
			"p2psb follow <ticket> -o ~/music --keep 3"},
		"follow ls": {"p2psb follow ls", "p2psb follow ls --json"},
		"unfollow":  {"p2psb unfollow pkg_..."},
		"serve": {"p2psb serve", "p2psb serve --rendezvous --listen /ip4/0.0.0.0/tcp/4001",
			"p2psb serve --publish-watch ./album   # and publish ./album after each change"},
		"status":        {"p2psb status"},
		"locate":        {"p2psb locate ana", "p2psb locate 12D3KooW..."},
		"rendezvous":    {"p2psb rendezvous ls"},
		"rendezvous ls": {"p2psb rendezvous ls"},
		"demo":          {"p2psb demo", "p2psb demo --size 256MiB --peers 8"},
		"completion":    {"source <(p2psb completion bash)"},
	}
}

// helpTemplate is a command's help: urfave/cli's, then examples, then
// where the global flags (accepted, not listed) are described.
func helpTemplate(c *cli.Command, examples []string) string {
	t := cli.CommandHelpTemplate
	if len(c.Subcommands) > 0 {
		t = cli.SubcommandHelpTemplate
	}
	if len(examples) > 0 {
		t += "\nEXAMPLES:\n   " + strings.Join(examples, "\n   ") + "\n"
	}
	return t + "\nGlobal flags (--home, --json, --log-level, --listen, --rendezvous-peer, ...) go before or after\n" +
		"the command; see p2psb --help.\n"
}
