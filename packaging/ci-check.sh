#!/usr/bin/env bash
# Checks what packaging/build.sh built, the way a user would run it:
#   1. the bundle's --self-test against a real model folder, with no Python environment around
#   2. a French voice through the bundle (espeak-ng's data and library inside the bundle), then
#      a Japanese and a Mandarin one with the network off where a network namespace can be made
#      (their dictionaries inside the bundle)
#   3. the bundled GUI started offscreen, then on Xvfb with the xcb platform: its window must
#      appear (the studio logs "Window visible"), with every size of its icon found
#   4. deliverables through the bundle: a podcast-mastered export with captions, a joined MP3 with
#      chapters and an M4B (pyloudnorm, scipy, pysubs2, mutagen, PyAV's AAC encoder inside it)
#   5. the .deb installed with apt/dpkg (as root), its /usr/bin/narration-studio --self-test with
#      no Python on PATH, a Japanese and a Mandarin line, its launcher and icon, then removed
#   6. the lean bundle (no torch inside), offline: --self-test on a model folder with Kokoro's int8
#      ONNX export and no .pth, which it runs with the onnx backend (auto, as torch is absent)
# Usage: packaging/ci-check.sh [MODEL_DIR]   (default: the offline test model folder)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-${NARRATION_STUDIO_TEST_MODEL_DIR:-$HOME/.cache/narration-studio-test/model}}
bundle=$PWD/dist/narration-studio
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log() { echo "[ci-check] $*" >&2; }
# A bare environment: no virtualenv, no PYTHONPATH, no Python on PATH, settings in a temp folder,
# and no network for the model (a local folder is given).
bare() {
  env -i PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$work/config" LANG=C.UTF-8 \
    HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=offscreen "$@"
}

# Runs a command with no network at all where a network namespace can be made (root, or user
# namespaces), else as it is (the bare environment has HF_HUB_OFFLINE=1 either way).
offline() {
  if unshare -n true 2>/dev/null; then unshare -n "$@"; else "$@"; fi
}

# Voices one Japanese and one Mandarin line with the executable $1, offline, into $work/$2-*.mp3.
cjk_lines() {
  local exe=$1 tag=$2
  offline env -i PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$work/config" LANG=C.UTF-8 \
    HF_HUB_OFFLINE=1 "$exe" --model-dir "$model" say "今日は港がとても静かでした。" \
    -v jf_alpha -o "$work/$tag-ja.mp3"
  offline env -i PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$work/config" LANG=C.UTF-8 \
    HF_HUB_OFFLINE=1 "$exe" --model-dir "$model" say "今晚港口很安静。" \
    -v zf_xiaobei -o "$work/$tag-zh.mp3"
  [[ -s $work/$tag-ja.mp3 && -s $work/$tag-zh.mp3 ]]
}

# Starts the bundled GUI on Qt platform $1 (offscreen, or xcb on a virtual X server), waits up to
# 90 s for the studio's log line "Window visible N s after start", then closes it (SIGTERM).
gui_smoke() {
  local platform=$1 out=$work/gui-$1.log pid
  local -a app=(/usr/bin/env PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$work/config-$1"
    LANG=C.UTF-8 HF_HUB_OFFLINE=1 QT_QPA_PLATFORM="$platform"
    "$bundle/narration-studio" -v --model-dir "$model")
  if [[ $platform == xcb ]]; then # a bare environment, but with the display xvfb-run made
    xvfb-run -a -s "-screen 0 1280x800x24" \
      sh -c 'exec env -i DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" "$@"' sh "${app[@]}" \
      >"$out" 2>&1 &
  else
    env -i "${app[@]}" >"$out" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 180); do
    grep -q "Window visible" "$out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if grep -q "Window visible" "$out"; then
    log "   $platform: $(grep -o 'Window visible.*' "$out" | head -n1)"
  else
    log "   the GUI showed no window on $platform:"
    tail -n 20 "$out" >&2
  fi
  pkill -TERM -P "$pid" 2>/dev/null || true # under xvfb-run: the app and Xvfb
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -q "App icon file missing" "$out"; then
    log "   the bundle lacks the app icon:"
    grep "App icon file missing" "$out" >&2
    return 1
  fi
  grep -q "Window visible" "$out"
}

[[ -x $bundle/narration-studio ]] || { log "no bundle at $bundle: run packaging/build.sh"; exit 1; }
[[ -f $model/kokoro-v1_0.pth ]] || { log "no model folder at $model"; exit 1; }

# The libraries the bundle must carry itself (the .deb does not depend on their packages).
for lib in libportaudio.so.2 '_soundfile_data/libsndfile*.so' 'espeakng_loader/libespeak-ng.so*'; do
  compgen -G "$bundle/_internal/$lib" >/dev/null || { log "the bundle lacks $lib"; exit 1; }
done

log "1. bundle --self-test, with nothing at all on PATH"
mkdir "$work/empty-path"
bare env PATH="$work/empty-path" "$bundle/narration-studio" --self-test --model-dir "$model" \
  | tee "$work/selftest.txt"
grep -q '^self-test ok: ' "$work/selftest.txt"

log "2. a French voice (espeak-ng inside the bundle)"
bare "$bundle/narration-studio" --model-dir "$model" say "Bonjour, je suis une voix française." \
  -v ff_siwis -o "$work/fr.mp3"
[[ -s $work/fr.mp3 ]]
log "   and a Japanese and a Mandarin line, offline"
cjk_lines "$bundle/narration-studio" bundle

log "3. bundled GUI, offscreen"
gui_smoke offscreen
if command -v xvfb-run >/dev/null; then
  log "   and on a virtual X server, with the xcb platform users get"
  gui_smoke xcb
fi

log "4. deliverables: podcast preset, captions, joined MP3 and M4B"
printf '# Opening\nWelcome to the harbour town.\n\n# Morning\nBy morning the sky was clear.\n' \
  >"$work/script.md"
bare "$bundle/narration-studio" new "$work/show" --from "$work/script.md" --title Show >/dev/null
bare "$bundle/narration-studio" --model-dir "$model" render "$work/show" --preset podcast \
  --captions --join --m4b 2>&1 | tail -n 3 >&2
for file in audio/01-opening.mp3 audio/01-opening.srt audio/02-morning.vtt show.mp3 show.srt show.m4b; do
  [[ -s $work/show/$file ]] || { log "   the export lacks $file"; exit 1; }
done
head -c 12 "$work/show/show.m4b" | grep -q ftyp || { log "   show.m4b is not an MP4 file"; exit 1; }

log "5. the .deb"
deb=$(ls -t dist/narration-studio_*.deb 2>/dev/null | head -n1 || true)
if [[ -z $deb ]]; then
  log "   no .deb in dist/: run packaging/build.sh"
  exit 1
elif [[ $(id -u) -ne 0 ]]; then
  log "   skipped: installing the .deb needs root (dpkg-deb --info only)"
  dpkg-deb --info "$deb" >/dev/null
else
  trap 'dpkg -r narration-studio >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  if command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
  else
    dpkg -i "$deb" >/dev/null
  fi
  [[ -f /usr/share/applications/narration-studio.desktop ]]
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/narration-studio.desktop
  fi
  [[ -f /usr/share/icons/hicolor/256x256/apps/narration-studio.png ]]
  bare /usr/bin/narration-studio --self-test --model-dir "$model" | tee "$work/deb.txt"
  grep -q '^self-test ok: ' "$work/deb.txt"
  cjk_lines /usr/bin/narration-studio deb
  dpkg -r narration-studio >/dev/null
  [[ ! -e /opt/narration-studio/narration-studio ]]
  log "   installed, self-tested and removed $deb"
fi

log "6. the lean bundle"
lean=$PWD/dist/narration-studio-lean
if [[ ${NARRATION_STUDIO_SKIP_LEAN:-0} == 1 ]]; then
  log "   skipped (NARRATION_STUDIO_SKIP_LEAN=1)"
else
  [[ -x $lean/narration-studio ]] || { log "   no lean bundle at $lean: run packaging/build.sh"; exit 1; }
  [[ ! -e $lean/_internal/torch ]] || { log "   the lean bundle carries torch"; exit 1; }
  onnx_export=${NARRATION_STUDIO_SHARED:-$PWD/../shared}/kokoro-offline/kokoro-v1.0.int8.onnx
  mkdir -p "$work/onnx-model"
  ln -s "$model/config.json" "$model/voices" "$onnx_export" "$work/onnx-model/"
  offline env -i PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$work/config" \
    XDG_CACHE_HOME="$work/cache" LANG=C.UTF-8 HF_HUB_OFFLINE=1 \
    "$lean/narration-studio" --self-test --model-dir "$work/onnx-model" | tee "$work/lean.txt"
  grep -q '^self-test ok: .*onnxruntime' "$work/lean.txt"
  log "   $(du -sh "$lean" | cut -f1), self-tested on the ONNX export without torch"
fi
log "all checks passed"
