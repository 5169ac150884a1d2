#!/usr/bin/env bash
# Wraps the one-folder bundle in a .deb: the bundle in /opt/narration-studio, the command as
# /usr/bin/narration-studio, a launcher and its icons. Called by packaging/build.sh:
#   make-deb.sh BUNDLE_DIR VERSION ARCH ICON_DIR OUTPUT_DEB   (ICON_DIR holds icon-SIZE.png)
set -euo pipefail
bundle=$1 version=$2 arch=$3 icons=$4 output=$5
here=$(cd "$(dirname "$0")" && pwd)
stage=build/deb/narration-studio

rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/doc/narration-studio"
cp -al "$bundle" "$stage/opt/narration-studio" 2>/dev/null || cp -a "$bundle" "$stage/opt/narration-studio"
ln -s /opt/narration-studio/narration-studio "$stage/usr/bin/narration-studio"
install -m 644 "$here/narration-studio.desktop" "$stage/usr/share/applications/"
for icon in "$icons"/icon-*.png; do
  size=$(basename "$icon" .png)
  size=${size#icon-}
  install -D -m 644 "$icon" "$stage/usr/share/icons/hicolor/${size}x$size/apps/narration-studio.png"
done
cat > "$stage/usr/share/doc/narration-studio/copyright" <<'TEXT'
Narration Studio, Apache-2.0. The bundle in /opt/narration-studio carries third-party libraries
under their own licences: Python (PSF), PyTorch (BSD-3-Clause), Qt for Python (LGPL-3.0),
espeak-ng (GPL-3.0), spaCy and en_core_web_sm (MIT), misaki and kokoro (Apache-2.0), libsndfile
(LGPL-2.1), LAME (LGPL-2.0), PortAudio (MIT). The Kokoro-82M model is downloaded on first run
(Apache-2.0).
TEXT

# Only what the bundle leaves to the system: the C library, ALSA (its plugins reach PulseAudio or
# PipeWire), and the X11/OpenGL/font stack that Qt's xcb platform plugin loads.
cat > "$stage/DEBIAN/control" <<TEXT
Package: narration-studio
Version: $version
Architecture: $arch
Maintainer: Narration Studio <dev@narration.studio>
Installed-Size: $(du -sk --apparent-size "$stage" | cut -f1)
Section: sound
Priority: optional
Homepage: https://narration.studio
Depends: libc6 (>= 2.28), libasound2, libfontconfig1, libfreetype6, libglib2.0-0, libgl1,
 libegl1, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0,
 libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0,
 libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3
Description: narrated MP3s from scripts, with the local Kokoro-82M voice model
 Write a script as scenes, pick one of 55 voices per scene, hear it at once and
 export one MP3 per scene. Speech is synthesized on this computer by the
 Kokoro-82M model: no account, no cloud. Everything the app needs ships inside
 /opt/narration-studio (Python, PyTorch for the CPU, Qt, espeak-ng, spaCy);
 the model itself is downloaded on first run, or taken from a local folder.
TEXT

dpkg-deb --root-owner-group -Zgzip -z"${NARRATION_STUDIO_DEB_LEVEL:-6}" --build "$stage" "$output.part" >/dev/null
mv "$output.part" "$output"
echo "[build] $output: $(du -h "$output" | cut -f1)" >&2
