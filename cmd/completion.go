package cmd

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// completionFlag is the hidden flag with which urfave/cli answers a shell
// that asks what may follow the arguments before it.
const completionFlag = "--generate-bash-completion"

// The bash and zsh functions ask p2psb itself, through completionFlag,
// what may come next (the names of subcommands, or flags after a "-").
const bashCompletion = `# p2psb completion for bash: source <(p2psb completion bash)
_p2psb() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local -a args=("${COMP_WORDS[@]:1:COMP_CWORD-1}")
	[[ $cur == -* ]] && args+=("$cur")
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$(p2psb "${args[@]}" ` + completionFlag + ` 2>/dev/null)" -- "$cur"))
}
complete -o default -F _p2psb p2psb
`

const zshCompletion = `#compdef p2psb
# p2psb completion for zsh: source <(p2psb completion zsh)
_p2psb() {
	local cur=${words[CURRENT]}
	local -a args=("${(@)words[2,CURRENT-1]}")
	[[ $cur == -* ]] && args+=("$cur")
	local -a next=("${(@f)$(p2psb "${args[@]}" ` + completionFlag + ` 2>/dev/null)}")
	if [[ -n ${next[1]} ]]; then
		_describe 'p2psb' next
	else
		_files
	fi
}
compdef _p2psb p2psb
`

func newCompletionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell code that completes p2psb's commands and flags",
		ArgsUsage: "bash|zsh|fish",
		Description: "Load it in the running shell, or in its startup file:\n\n" +
			"   source <(p2psb completion bash)     # in ~/.bashrc\n" +
			"   source <(p2psb completion zsh)      # in ~/.zshrc\n" +
			"   p2psb completion fish > ~/.config/fish/completions/p2psb.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("completion takes one shell: bash, zsh or fish")
			}
			return runCompletion(c.App, e.stdout, c.Args().First())
		},
	}
}

func runCompletion(app *cli.App, w io.Writer, shell string) error {
	var script string
	switch shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		var err error
		if script, err = app.ToFishCompletion(); err != nil {
			return fmt.Errorf("fish completion: %w", err)
		}
	default:
		return usageErrorf("completion for %q: want bash, zsh or fish", shell)
	}
	_, err := io.WriteString(w, script)
	return err
}
