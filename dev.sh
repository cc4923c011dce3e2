#!/usr/bin/env bash
# One entry point for people and CI, on Debian or Ubuntu:
#   bash dev.sh demo   install what is missing, then open rectui against its built-in emulator
#   bash dev.sh test   install what is missing, then run ruff, mypy and the whole test suite
# Safe to run again: system packages and Python dependencies are installed only when missing
# or when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Let Python cache compiled modules even where the environment says not to (this machine's does):
# the tests start rectui in ~200 child processes, and each compiled it from source again
# (about 60 ms of CPU apiece), as an installed rectui never does.
unset PYTHONDONTWRITEBYTECODE

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

python_ok() {
    command -v python3 >/dev/null &&
        python3 -c 'import sys, ensurepip, venv, sysconfig, os
sys.exit(0 if sys.version_info >= (3, 11)
         and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)' \
            2>/dev/null
}

install_system_packages() {
    if command -v python3 >/dev/null && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "dev.sh: rectui needs Python 3.11 or newer; $(python3 --version) found" \
            "(Debian 12+ and Ubuntu 24.04+ ship one)" >&2
        exit 1
    fi
    # ffmpeg decodes and encodes media; libportaudio2 plays it (sounddevice); libasound2-dev and
    # a C compiler build simpleaudio (the fallback). The tests drive the TUI in a real terminal
    # (tmux) and play through a private PulseAudio daemon: pulseaudio, pulseaudio-utils (parec)
    # and libasound2-plugins (ALSA -> pulse). openssl makes the https tests' certificate.
    local wanted=(ffmpeg libportaudio2 libasound2-dev gcc tmux openssl
        pulseaudio pulseaudio-utils libasound2-plugins)
    python_ok || wanted+=(python3 python3-dev python3-venv)
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "dev.sh: installing system packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    if ! python_ok; then
        echo "dev.sh: rectui needs Python 3.11 or newer with venv and headers" >&2
        exit 1
    fi
}

install_python_packages() {
    local stamp=.venv/.installed
    local want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    # A .venv left by an older or removed interpreter is rebuilt, not reused.
    if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        rm -rf .venv
        python3 -m venv .venv
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "dev.sh: installing Python dependencies into .venv"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e '.[test]'
        echo "$want" >"$stamp"
    fi
}

case "${1:-}" in
demo)
    install_system_packages
    install_python_packages
    exec .venv/bin/rectui --demo
    ;;
test)
    install_system_packages
    install_python_packages
    .venv/bin/ruff check .
    .venv/bin/mypy  # strict on the core packages; see [tool.mypy] in pyproject.toml
    # Two workers per core: the tests wait on states, never on the clock, so they hold under
    # it, and a worker spends much of its time waiting (real-time audio, child processes,
    # Textual's idle checks between keys), which one worker per core left as an idle core.
    # On 2 cores, 4 workers took 135 s where 3 took 168 s (the same commit, one session).
    # loadgroup: a module marked xdist_group (costly module fixtures) runs on one worker.
    exec .venv/bin/python -m pytest -n $(( $(nproc) * 2 )) --dist loadgroup "${@:2}"
    ;;
*)
    echo "usage: bash dev.sh demo | bash dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
