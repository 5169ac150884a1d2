#!/usr/bin/env bash
# Builds "Narration Studio.app" (the spec's BUNDLE step) and wraps it in a drag-to-Applications .dmg.
# UNTESTED ON THESE MACHINES (they run Linux only). It follows PyInstaller's and hdiutil's manuals.
#
# Needs: macOS 11+, Python 3.11 in .venv set up by scripts/setup.sh, and Xcode's command line tools.
# Signing: ad-hoc by default, which runs on the building Mac; set CODESIGN_IDENTITY to a Developer ID
# ("Developer ID Application: …") and notarize the .dmg (xcrun notarytool submit --wait) to ship it.
#   packaging/macos/make-dmg.sh [MODEL_DIR]   (with MODEL_DIR, the built app's --self-test runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD
bash scripts/setup.sh
python=.venv/bin/python
"$python" -m pip install -q -e ".[packaging]" pillow # Pillow: PyInstaller makes the .icns from the PNG
version=$("$python" -c "import studio; print(studio.__version__)")
app="dist/Narration Studio.app"

"$python" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller \
  packaging/narration-studio.spec
if [[ -n ${CODESIGN_IDENTITY:-} ]]; then # hardened runtime, as notarization requires
  codesign --force --deep --options runtime --sign "$CODESIGN_IDENTITY" "$app"
else
  codesign --force --deep --sign - "$app"
fi
if [[ -n ${1:-} ]]; then
  "$app/Contents/MacOS/narration-studio" --self-test --model-dir "$1"
fi

stage=build/dmg
rm -rf "$stage" && mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/narration-studio-$version-macos-$(uname -m).dmg"
hdiutil create -volname "Narration Studio" -srcfolder "$stage" -ov -format UDZO "$dmg"
echo "$dmg"
