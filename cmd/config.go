package cmd

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
)

// commandConfigKeys are the command flags a config file may set too
// (each read with globals.configDuration): all durations.
func commandConfigKeys() []string { return []string{"stall-timeout"} }

// configKeys are the settings a config file may set: the global ones but
// config (through which the file is found), and commandConfigKeys.
func configKeys() []string {
	var keys []string
	for _, s := range globalSpecs {
		if s.name != "config" {
			keys = append(keys, s.name)
		}
	}
	keys = append(keys, commandConfigKeys()...)
	for k := range storeConfigKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// storeConfigKeys are the settings of the stores that only a config file
// sets, with their kinds (see peerstoreOptions).
var storeConfigKeys = map[string]string{
	"peerstore-cache-size":  "count",
	"peerstore-max-peers":   "count",
	"peerstore-gc-interval": "duration",
}

// configKind is the kind of value a config key takes.
func configKind(key string) string {
	if slices.Contains(commandConfigKeys(), key) {
		return "duration"
	}
	if k, ok := storeConfigKeys[key]; ok {
		return k
	}
	return spec(key).kind
}

// checkConfig reads the TOML config file at path and refuses a key p2psb
// does not know (suggesting the nearest one) or a value of the wrong type,
// saying what it expected, before any setting is used.
func checkConfig(path string) error {
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		return usageErrorf("config file %s: %v", path, err)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := checkConfigValue(k, doc[k]); err != nil {
			return usageErrorf("config file %s: %v", path, err)
		}
	}
	return nil
}

// checkConfigValue checks one key of the config file and its value.
func checkConfigValue(key string, v any) error {
	if !slices.Contains(configKeys(), key) {
		return fmt.Errorf("unknown key %q (did you mean %q? the keys are %s)",
			key, nearestConfigKey(key), strings.Join(configKeys(), ", "))
	}
	switch configKind(key) {
	case "duration":
		str, ok := v.(string)
		if _, err := time.ParseDuration(str); !ok || err != nil {
			return fmt.Errorf("key %q wants a duration in quotes, not %s (e.g. %s = \"30s\")", key, tomlType(v), key)
		}
	case "count":
		if n, ok := v.(int64); !ok || n < 1 {
			return fmt.Errorf("key %q wants a whole number of at least 1, not %s (e.g. %s = 50000)", key, tomlType(v), key)
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("key %q wants true or false, not %s (e.g. %s = true)", key, tomlType(v), key)
		}
	case "list":
		list, ok := v.([]any)
		for _, e := range list {
			_, isString := e.(string)
			ok = ok && isString
		}
		if !ok {
			return fmt.Errorf("key %q wants a list of strings, not %s (e.g. %s = [\"/ip4/0.0.0.0/tcp/4747\"])",
				key, tomlType(v), key)
		}
	default:
		if _, ok := v.(string); !ok {
			return fmt.Errorf("key %q wants a string in quotes, not %s (e.g. %s = \"info\")", key, tomlType(v), key)
		}
	}
	return nil
}

// nearestConfigKey is the config key most like key.
func nearestConfigKey(key string) string {
	var flags []cli.Flag
	for _, k := range configKeys() {
		flags = append(flags, &cli.StringFlag{Name: k})
	}
	return strings.TrimLeft(cli.SuggestFlag(flags, key, true), "-")
}

// tomlType names the TOML type of a decoded value, for messages.
func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case int64, float64:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "a list of other things"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T", v)
	}
}
