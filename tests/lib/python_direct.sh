# shellcheck shell=bash
# tests/lib/python_direct.sh: sourced by tests/run.sh and tests/bench/lib.sh. `python3` on PATH
# may be a version manager's shim rather than the interpreter: pyenv's is a bash script that runs
# `pyenv exec`, about 0.37 CPU-s a start against 0.03 for the interpreter it picks. The suites
# start python3 hundreds of times, and the benches time a Python process against a driftgate
# process, so both get the interpreter the shim resolves to, started directly: the same
# executable, version and modules, without the shim's cost inside the measurement.
#
# python_direct DIR: resolves python3 once, links DIR/python3 to it and puts DIR first on PATH.
# Does nothing when python3 is missing or already an ELF executable.
python_direct() {
  local dir=$1 exe
  command -v python3 > /dev/null || return 0
  exe=$(python3 -c 'import sys; print(sys.executable)' 2> /dev/null) || return 0
  [ -n "$exe" ] && [ -x "$exe" ] || return 0
  [ "$(readlink -f "$exe")" = "$(readlink -f "$(command -v python3)")" ] && return 0
  mkdir -p "$dir" && ln -sfn "$exe" "$dir/python3" || return 0
  case :$PATH: in *":$dir:"*) ;; *) PATH=$dir:$PATH ;; esac
  export PATH
}
