#!/bin/sh
# t-completion.sh - the bash completion script from `mcpdb completion bash`,
# sourced in a real bash and asked for completions the way bash asks
# (COMP_WORDS/COMP_CWORD, then the function): commands, subcommands,
# options, target names from the config file (even when no target would be
# selected), migration versions, seed sets and file names. zsh's script is
# checked for syntax when zsh is installed. No servers needed.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v bash >/dev/null 2>&1 || skip_all "bash not found"
W=$(mktemp -d -t mcpdb-cmpl.XXXXXX)
trap 'rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
mkdir -p "$W/xdg/mcpdb" "$W/files"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "prod": { "pg": "host=/nowhere", "protected": true },
               "dev": { "pg": "host=/nowhere", "migrations_dir": "$MCPDB_SRCDIR/migrations",
                        "seeds_dir": "$MCPDB_SRCDIR/seeds" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
: >"$W/files/plan-a.sql"; : >"$W/files/plan-b.sql"
"$M" completion bash >"$W/mcpdb.bash"; is "$?" 0 "completion bash prints a script"

# cmpl WORDS...: what bash would offer for the last word (sorted, one line)
cmpl() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_mcpdb
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		cmpl "$W/mcpdb.bash" "$M" "$@"
}
is "$(cmpl mig)" "migrate " "a command word"
like "$(cmpl migrate '')" "down " "subcommands of a family"
like "$(cmpl migrate '')" "status " "... all of them"
is "$(cmpl migrate up --d)" "--dir --dry-run " "options of a command"
like "$(cmpl --con)" "--config" "global options"
is "$(cmpl -t '')" "dev prod " "target names, though two targets select none"
is "$(cmpl --target p)" "prod " "target names by prefix"
like "$(cmpl -t dev migrate down --to '')" "0001 0002" "migration versions from the target's migrations_dir"
is "$(cmpl -t dev seed load '')" "demo " "seed sets from the target's seeds_dir"
is "$(cmpl migrate up --dir "$W/files/pl")" "$W/files/plan-a.sql $W/files/plan-b.sql " "file names for a file option"
is "$(cmpl redis info me)" "memory " "Redis INFO sections"
"$M" completion fish >/dev/null 2>&1; is "$?" 2 "an unknown shell is a usage error"
"$M" completion zsh >"$W/_mcpdb"; is "$?" 0 "completion zsh prints a script"
like "$(head -1 "$W/_mcpdb")" "#compdef mcpdb" "... that zsh's compinit recognises"
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$W/_mcpdb"; ok $? "... and that zsh parses"
else
	skip "zsh not installed"
fi
done_testing
