#!/usr/bin/env bash
# Builds the desktop installer from this checkout, in one command:
#   dist/narration-studio/                              the one-folder app bundle (PyInstaller)
#   dist/narration-studio-VERSION-linux-ARCH.tar.gz     the bundle as a tarball
#   dist/narration-studio_VERSION_ARCH.deb              the bundle in /opt/narration-studio
#   dist/narration-studio-lean/ and dist/narration-studio-lean-VERSION-linux-ARCH.tar.gz
#                                                       the lean bundle: no torch, the ONNX backend only
# Work files go to build/ and are reused by the next build. Needs Linux with dpkg-deb for the .deb.
#
# Uses .venv (set up by scripts/setup.sh, plus the "packaging" extra), or the virtualenv named by
# NARRATION_STUDIO_VENV, which must already have PyInstaller. Set NARRATION_STUDIO_SKIP_DEB=1 to
# build only the bundle and tarball, NARRATION_STUDIO_SKIP_LEAN=1 to leave out the lean bundle,
# NARRATION_STUDIO_SKIP_TARBALLS=1 to leave out the tarballs, NARRATION_STUDIO_DEB_LEVEL=1..9 for
# the .deb's gzip level (6).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PYTHONPATH=$root # bundle this checkout's studio/, not whatever the venv has installed

log() { echo "[build] $*" >&2; }
seconds() { date +%s; }
started=$(seconds)

if [[ -n ${NARRATION_STUDIO_VENV:-} ]]; then
  venv=$NARRATION_STUDIO_VENV
else
  venv=.venv
  bash scripts/setup.sh
  "$venv/bin/python" -m pip install -q -e ".[packaging]"
fi
python=$venv/bin/python
if ! "$python" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller is not installed in $venv: $python -m pip install -e '.[packaging]'" >&2
  exit 1
fi

if ! "$python" -c "import en_core_web_sm" 2>/dev/null; then
  echo "spaCy's English model is not installed in $venv, and the bundle must carry it:" \
    "$python -m spacy download en_core_web_sm" >&2
  exit 1
fi
version=$("$python" -c "import studio; print(studio.__version__)")
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
bundle=dist/narration-studio
mkdir -p build dist

log "PyInstaller bundle $version ($arch)"
"$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/narration-studio.spec
log "bundle: $(du -sh "$bundle" | cut -f1) in $bundle ($(($(seconds) - started)) s so far)"

icons=resources # icon-16.png … icon-256.png, the same the GUI shows

tarball=dist/narration-studio-$version-linux-$arch.tar.gz
if [[ ${NARRATION_STUDIO_SKIP_TARBALLS:-0} != 1 ]]; then
  log "tarball $tarball"
  tar -C dist -cf - narration-studio | gzip -1 > "$tarball.part"
  mv "$tarball.part" "$tarball"
fi

if [[ ${NARRATION_STUDIO_SKIP_DEB:-0} != 1 ]]; then
  bash packaging/linux/make-deb.sh "$bundle" "$version" "$arch" "$icons" \
    "dist/narration-studio_${version}_$arch.deb"
fi
lean_tarball=dist/narration-studio-lean-$version-linux-$arch.tar.gz
if [[ ${NARRATION_STUDIO_SKIP_LEAN:-0} != 1 ]]; then
  log "lean bundle (no torch: the ONNX backend only)"
  NARRATION_STUDIO_LEAN=1 "$python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller-lean packaging/narration-studio.spec
  log "lean bundle: $(du -sh "$bundle-lean" | cut -f1) in $bundle-lean"
  if [[ ${NARRATION_STUDIO_SKIP_TARBALLS:-0} != 1 ]]; then
    tar -C dist -cf - narration-studio-lean | gzip -1 > "$lean_tarball.part"
    mv "$lean_tarball.part" "$lean_tarball"
  fi
fi
log "done in $(($(seconds) - started)) s:"
for made in "$tarball" "$lean_tarball" dist/*.deb; do # what this build made, of those
  if [[ -f $made ]]; then
    ls -l --block-size=M "$made" | awk '{print "  " $5 "  " $9}' >&2
  fi
done
