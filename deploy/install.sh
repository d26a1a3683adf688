#!/bin/sh
# Install sanctions-bot into a fresh virtual environment, as the container image does.
#
#   deploy/install.sh PREFIX [SOURCE]
#
# PREFIX  the virtual environment to create (e.g. /opt/sanctions-bot); must not exist
# SOURCE  the project checkout to install (default: the directory above this script)
#
# The Dockerfile runs exactly this script, and CI (.ci/run) runs it too, in a new
# directory, then runs the installed `sanctions-bot demo` and `doctor`: the container's
# install steps are tested on every run even where no container can be built.
# Versions are pinned by deploy/constraints.txt so that an image built next year gets
# the libraries this release was tested with.
set -eu

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
    echo "usage: $0 PREFIX [SOURCE]" >&2
    exit 2
fi
prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
source_dir=${2:-$(dirname "$here")}
python=${PYTHON:-python3}

if [ -e "$prefix" ]; then
    echo "$0: $prefix exists; give a new directory" >&2
    exit 2
fi

"$python" -m venv "$prefix"
"$prefix/bin/pip" install --quiet --no-cache-dir --upgrade pip
"$prefix/bin/pip" install --quiet --no-cache-dir \
    --constraint "$here/constraints.txt" "$source_dir"

# The installed command works without a token, a network or a database.
"$prefix/bin/sanctions-bot" --version
"$prefix/bin/sanctions-bot" demo > /dev/null
echo "installed sanctions-bot into $prefix"
