#!/usr/bin/env bash
# Copies the real scanner fixtures into fuzz/corpus/<target>/ as the fuzzers' starting corpus.
# The fixtures stay where they are (never in the repository); fuzz/corpus is git-ignored.
#   fuzz/seed.sh                 # fixtures from $RHYTHM_FIXTURES, else ../shared/fixtures/real
#                                # beside the checkout (the rule of the tests' fixtures_dir)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="${RHYTHM_FIXTURES:-$here/../../shared/fixtures/real}"
if [ ! -f "$fixtures/facts.json" ]; then
  echo "real fixtures not found: $fixtures holds no facts.json; set RHYTHM_FIXTURES to the folder that does" >&2
  exit 2
fi

# target -> fixture folders (relative to the fixtures root). Add a line for a new target.
declare -A sources=(
  [sarif]="sarif"
  [trivy]="trivy"
  [grype]="grype"
  [cyclonedx]="cyclonedx"
  [osv]="osv/scanner osv/records"
  [tracker]="backlog/github backlog/jira"
  [detect]="sarif trivy grype cyclonedx osv/scanner backlog/github backlog/jira"
)

for target in "${!sources[@]}"; do
  dest="$here/corpus/$target"
  mkdir -p "$dest"
  n=0
  for dir in ${sources[$target]}; do
    [ -d "$fixtures/$dir" ] || { echo "missing $fixtures/$dir" >&2; exit 2; }
    while IFS= read -r -d '' f; do
      # Named by content hash, as libFuzzer names its own inputs: re-seeding adds no duplicates.
      cp "$f" "$dest/$(sha1sum "$f" | cut -c1-40)"
      n=$((n + 1))
    done < <(find "$fixtures/$dir" -type f -print0)
  done
  echo "$target: $n seed files in fuzz/corpus/$target"
done
