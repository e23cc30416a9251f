# tap.sh - TAP helpers for shell tests: source it, then call plan/ok/is/like.
# shellcheck shell=sh
TAP_N=0
TAP_FAILED=0

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# ok CONDITION-EXIT-STATUS DESCRIPTION: pass when the previous status is 0.
ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"
	else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
# is GOT WANT DESCRIPTION
is() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $TAP_N - $3"
	else echo "not ok $TAP_N - $3"; diag "     got: '$1'" "expected: '$2'"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
# like TEXT NEEDLE DESCRIPTION (fixed-string match)
like() {
	TAP_N=$((TAP_N + 1))
	case $1 in
	*"$2"*) echo "ok $TAP_N - $3" ;;
	*) echo "not ok $TAP_N - $3"; diag "'$1'" "does not contain '$2'"; TAP_FAILED=$((TAP_FAILED + 1)) ;;
	esac
}
# unlike TEXT NEEDLE DESCRIPTION
unlike() {
	TAP_N=$((TAP_N + 1))
	case $1 in
	*"$2"*) echo "not ok $TAP_N - $3"; diag "unexpectedly contains '$2'"; TAP_FAILED=$((TAP_FAILED + 1)) ;;
	*) echo "ok $TAP_N - $3" ;;
	esac
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
