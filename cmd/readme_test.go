package cmd_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeWalkthrough checks that every command in the README's
// walkthrough is run, in order, by testdata/script/readme_walkthrough.txtar,
// which runs them on a fresh machine. A value the README leaves to the
// reader (a multiaddr, node ID or package ID it printed, written with
// "...") is a variable in the script, ~ is $HOME, and export is env.
func TestReadmeWalkthrough(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	script, err := os.ReadFile(filepath.Join("testdata", "script", "readme_walkthrough.txtar"))
	require.NoError(t, err)
	cmds := walkthroughCommands(t, string(readme))
	require.NotEmpty(t, cmds)
	lines := scriptCommands(string(script))
	at := 0
	for _, c := range cmds {
		re := readmePattern(c)
		for at < len(lines) && !re.MatchString(lines[at]) {
			at++
		}
		require.Less(t, at, len(lines), "README command %q is not run by readme_walkthrough.txtar (after the commands before it)", c)
		at++
	}
}

// walkthroughCommands returns the command lines of the code blocks in the
// README's Walkthrough section, comments removed and continued lines
// joined.
func walkthroughCommands(t *testing.T, readme string) []string {
	t.Helper()
	start := strings.Index(readme, "\n## Walkthrough\n")
	require.NotEqual(t, -1, start, "the README has a Walkthrough section")
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var cmds []string
	inBlock, cont := false, ""
	for _, l := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(l, "```"):
			inBlock = !inBlock
			continue
		case !inBlock:
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		l = cont + strings.TrimSpace(l)
		if strings.HasSuffix(l, `\`) {
			cont = strings.TrimSuffix(l, `\`)
			continue
		}
		cont = ""
		if l != "" {
			cmds = append(cmds, strings.Join(strings.Fields(l), " "))
		}
	}
	return cmds
}

// scriptCommands returns a testscript's command lines without a leading
// "! " or a trailing "&name&".
func scriptCommands(script string) []string {
	bg := regexp.MustCompile(` &\w*&$`)
	var out []string
	for _, l := range strings.Split(script, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "-- ") {
			break // the archive's files
		}
		l = bg.ReplaceAllString(strings.TrimPrefix(l, "! "), "")
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

// placeholder is what the README writes for a value the reader copies:
// a multiaddr, or a node or package ID or ticket ending in "...".
var placeholder = regexp.MustCompile(`/ip4/\S+|12D3KooW\.\.\.|pkg_\.\.\.|p2psb1\w*\.\.\.`)

// readmePattern matches the script line that runs README command c.
func readmePattern(c string) *regexp.Regexp {
	if rest, ok := strings.CutPrefix(c, "export "); ok {
		c = "env " + rest
	}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range placeholder.FindAllStringIndex(c, -1) {
		b.WriteString(literal(c[last:m[0]]))
		b.WriteString(`\$\w+`)
		last = m[1]
	}
	b.WriteString(literal(c[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// literal quotes s for a pattern, with ~/ standing for $HOME/.
func literal(s string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(s), "~/", `\$HOME/`)
}
