#!/usr/bin/env bash
# Mutation testing of the pure core (src/core/**) with the unit tests only (`cargo test --lib`):
# cargo-mutants changes one function or operator at a time and checks that some test fails.
# Not part of CI: on 2 cores the whole core takes hours. Writes docs/mutation-report.md with the
# caught / missed / unviable / timeout counts per file, and the missed mutants listed.
#
#   cargo install --locked cargo-mutants
#   tests/mutants.sh                       every file under src/core
#   tests/mutants.sh src/core/diagnosis/drift.rs src/core/secret_plan.rs   only these files
#   tests/mutants.sh --report              only rewrite the report from the stored outcomes
#   tests/mutants.sh --missed FILES        re-test only the stored missed mutants of FILES (after
#                                          adding tests) and merge the outcomes into the store
#   KMCP_MUTANTS_JOBS=2 tests/mutants.sh   parallel builds (default 1: the machine is shared)
#   KMCP_MUTANTS_TEST_ARGS="--lib --test envfile" tests/mutants.sh src/core/envfile.rs
#                                          the tests to run (default --lib): the .env reader's
#                                          tests are in tests/envfile/ (pure, no cluster)
#   KMCP_MUTANTS_ARGS="--in-place --baseline=skip" tests/mutants.sh FILE
#                                          no copy of the tree (reuses target/; do not edit or
#                                          test the checkout meanwhile); skip cargo-mutants'
#                                          baseline (the script runs the tests once instead)
#
# To make one mutant cheap (a build of this crate and `cargo test --lib`, ~10 s idle):
# - this crate is built without debug info (a profile override for this package only: the
#   dependencies keep theirs, so nothing else is rebuilt); the link is about half as long;
# - the property tests run PROPTEST_CASES=64 cases (unless set) instead of 256 or 2000: a
#   property test still runs, but a mutant that only 1 case in 2000 shows could be missed here.
#
# Each file's outcomes are kept in target/mutants-report/<file>/ (cargo-mutants' outcomes.json),
# so that a later run of other files adds to the report instead of replacing it.
# The committed docs/mutation-report.md is the record: target/ is not kept (another worktree,
# a removed checkout), so a file whose outcomes are not in the store keeps its row, its "stopped
# early" line and its missed mutants from the report as it is on disk, and the totals count them.
# A file run again replaces its row.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
command -v cargo-mutants >/dev/null || { echo "cargo install --locked cargo-mutants first" >&2; exit 2; }

rerun=0
if [ "${1:-}" = "--report" ]; then
  files=()   # only rewrite the report from the stored outcomes
elif [ "${1:-}" = "--missed" ]; then
  rerun=1    # re-test only the mutants that the stored outcomes of these files list as missed
  shift
  files=("$@")
elif [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find src/core -name '*.rs' ! -name 'testing.rs' ! -name 'tests.rs' ! -name 'no_panic.rs' | sort)
fi
store="target/mutants-report"
mkdir -p "$store"
case "${KMCP_MUTANTS_ARGS:-}" in *--baseline=skip*)
  # Without cargo-mutants' baseline, a tree whose tests already fail would count every mutant
  # as caught: check the unmutated tests once here.
  if [ "${#files[@]}" -gt 0 ]; then
    PROPTEST_CASES="${PROPTEST_CASES:-64}" cargo test --config=profile.test.package.kubectl-kmcp.debug=0 \
      ${KMCP_MUTANTS_TEST_ARGS:---lib} >/dev/null 2>&1 ||
      { echo "the tests fail without any mutant; fix them first" >&2; exit 1; }
  fi ;;
esac
for f in ${files[@]+"${files[@]}"}; do
  out="$store/$(echo "$f" | tr '/' '_')"
  filter=()
  if [ "$rerun" = 1 ]; then
    missed="$out/mutants.out/missed.txt"
    [ -s "$missed" ] || { echo "== $f: no stored missed mutants" >&2; continue; }
    # One regex matching exactly the missed mutants' names (as `cargo mutants --list` shows them).
    filter=(--re "$(python3 -c '
import re, sys
names = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
print("^(" + "|".join(re.sub(r"([\\.+*?()|\[\]{}^$#&~-])", r"\\\1", n) for n in names) + ")$")
' "$missed")")
    run="$out/rerun"
  else
    run="$out"
  fi
  rm -rf "$run"
  mkdir -p "$run"
  echo "== $f${filter:+ (the missed mutants only)}" >&2
  # Exit code 2 (mutants missed) and 3 (timeouts) are results, not failures of the script.
  rc=0
  jobs=(--jobs "${KMCP_MUTANTS_JOBS:-1}")
  case "${KMCP_MUTANTS_ARGS:-}" in *--in-place*) jobs=() ;; esac
  PROPTEST_CASES="${PROPTEST_CASES:-64}" \
    cargo mutants --file "$f" "${jobs[@]}" ${filter[@]+"${filter[@]}"} \
    --timeout "${KMCP_MUTANTS_TIMEOUT:-120}" \
    --cargo-arg=--config=profile.test.package.kubectl-kmcp.debug=0 \
    --output "$run" ${KMCP_MUTANTS_ARGS:-} -- ${KMCP_MUTANTS_TEST_ARGS:---lib} || rc=$?
  case $rc in 0|2|3) ;; *) echo "cargo mutants failed on $f (exit $rc)" >&2; exit "$rc" ;; esac
  if [ "$rerun" = 1 ]; then
    # Merge: each re-tested mutant's new outcome replaces the stored one; the names of those
    # that a new test now catches are kept in killed.txt for the report.
    python3 - "$out/mutants.out" "$run/mutants.out" <<'PY'
import json, sys
old_dir, new_dir = sys.argv[1], sys.argv[2]
old = json.load(open(f"{old_dir}/outcomes.json"))
new = json.load(open(f"{new_dir}/outcomes.json"))
def key(o):
    sc = o["scenario"]
    return None if sc == "Baseline" else sc["Mutant"]["name"]
was_missed = {key(o) for o in old["outcomes"] if key(o) and o["summary"] == "MissedMutant"}
# cargo-mutants' --re may select a few more mutants than asked (struct-field deletions of the
# same expression): only the ones that were missed count as killed.
fresh = {key(o): o for o in new["outcomes"] if key(o)}
killed = [k for k, o in fresh.items() if o["summary"] == "CaughtMutant" and k in was_missed]
old["outcomes"] = [fresh.get(key(o), o) for o in old["outcomes"]]
json.dump(old, open(f"{old_dir}/outcomes.json", "w"))
still = [key(o) for o in old["outcomes"] if key(o) and o["summary"] == "MissedMutant"]
open(f"{old_dir}/missed.txt", "w").write("".join(n + "\n" for n in still))
with open(f"{old_dir}/killed.txt", "a") as f:
    f.write("".join(n + "\n" for n in killed))
print(f"{len(killed)} of the {len(was_missed & fresh.keys())} missed mutants re-tested are now caught", file=sys.stderr)
PY
  fi
done

# The report, from every file's outcomes stored so far.
python3 - "$store" docs/mutation-report.md <<'PY'
import json, os, sys, collections, subprocess
store, report = sys.argv[1], sys.argv[2]
rows, missed, partial = [], [], []
# The report on disk, before it is rewritten: its rows are the record of files whose outcomes
# are not in the store. Row: | `file[ (stopped early)]` | caught | new | missed | timeout |
# unviable | ratio | minutes |; missed: "- `file:line:col: ...`"; stopped: "- `file`: stopped ...".
kept_rows, kept_missed, kept_partial = {}, [], []
if os.path.exists(report):
    section = None
    for line in open(report).read().split("\n"):
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| `") else []
        if len(cells) == 8:
            file = cells[0].strip("`").removesuffix(" (stopped early)")
            kept_rows[file] = (cells[0].strip("`"), [int(c) for c in cells[1:6]], float(cells[7]) * 60)
        elif section == "Missed mutants" and line.startswith("- `"):
            kept_missed.append((line[3:].split(":", 1)[0], line))
        elif line.startswith("- `") and "`: stopped after " in line:
            kept_partial.append((line[3:].split("`", 1)[0], line))
for d in sorted(os.listdir(store)):
    path = os.path.join(store, d, "mutants.out", "outcomes.json")
    if not os.path.exists(path):
        continue
    data = json.load(open(path))
    counts = collections.Counter()
    name = None
    seconds = 0.0
    for o in data["outcomes"]:
        sc = o["scenario"]
        seconds += sum(p.get("duration", 0) for p in o.get("phase_results", []))
        if sc == "Baseline":
            continue
        m = sc["Mutant"]
        name = m["file"]
        summary = o["summary"]
        counts[summary] += 1
        if summary == "MissedMutant":
            missed.append(f"- `{m.get('name')}`")
    killed_path = os.path.join(store, d, "mutants.out", "killed.txt")
    killed = len(set(open(killed_path).read().split("\n")) - {""}) if os.path.exists(killed_path) else 0
    if name and data.get("end_time") is None:
        # A run that was stopped: say how far it got.
        listed = subprocess.run(["cargo", "mutants", "--list", "--file", name],
                                capture_output=True, text=True).stdout.count("\n")
        tested = sum(counts.values())
        partial.append(f"- `{name}`: stopped after {tested} of its {listed} mutants")
        name += " (stopped early)"
    if name:
        rows.append((name, counts, seconds, killed))
stored = {name.removesuffix(" (stopped early)") for name, _, _, _ in rows}
for file, (name, (caught, killed, miss, to, unv), seconds) in kept_rows.items():
    if file not in stored:
        counts = collections.Counter(CaughtMutant=caught, MissedMutant=miss, Timeout=to, Unviable=unv)
        rows.append((name, counts, seconds, killed))
missed += [line for file, line in kept_missed if file not in stored]
partial += [line for file, line in kept_partial if file not in stored]
rows.sort(key=lambda r: r[0])
def position(line):  # "- `file:line:col: ...`": by file, then line and column as numbers
    file, line_no, col, _ = (line[3:].split(":", 3) + ["", "", ""])[:4]
    return (file, int(line_no) if line_no.isdigit() else 0, int(col) if col.isdigit() else 0)
missed.sort(key=position)
out = ["# Mutation report (cargo-mutants over src/core with the unit tests)", "",
       "Written by `tests/mutants.sh` (not part of CI). Caught = some unit test failed on the",
       "mutant; missed = every test passed; unviable = the mutant does not compile; the ratio is",
       "caught / (caught + missed + timeout). New tests: of the caught, how many only the tests",
       "added after the file's first run catch (`tests/mutants.sh --missed`). Minutes: build and",
       "test time of the file's mutants (a re-tested mutant counts with its last run).", "",
       "| file | caught | (new tests) | missed | timeout | unviable | caught ratio | minutes |",
       "| --- | --- | --- | --- | --- | --- | --- | --- |"]
tc = tm = tt = tu = tk = 0
ts = 0.0
for name, c, seconds, killed in rows:
    caught, miss, to, unv = c["CaughtMutant"], c["MissedMutant"], c["Timeout"], c["Unviable"]
    tc += caught; tm += miss; tt += to; tu += unv; ts += seconds; tk += killed
    viable = caught + miss + to
    ratio = f"{caught / viable:.0%}" if viable else "-"
    out.append(f"| `{name}` | {caught} | {killed} | {miss} | {to} | {unv} | {ratio} | {seconds / 60:.0f} |")
viable = tc + tm + tt
out.append(f"| **all files run** | {tc} | {tk} | {tm} | {tt} | {tu} | {tc / viable:.0%} | {ts / 60:.0f} |" if viable else "| all | 0 | 0 | 0 | 0 | 0 | - | 0 |")
if partial:
    out += ["", "Runs stopped early (their figures cover the mutants tested):", ""] + partial
out += ["", "## Missed mutants", ""] + (missed or ["none"]) + [""]
notes = "docs/mutation-notes.md"
if os.path.exists(notes):
    out += [open(notes).read().rstrip("\n")]
open(report, "w").write("\n".join(out) + "\n")
print("\n".join(out[8:8 + len(rows) + 2]))
PY
