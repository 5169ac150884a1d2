# Builds the Windows installer: the PyInstaller bundle, its self-test, then the Inno Setup script.
# UNTESTED ON THESE MACHINES (they run Linux only).
# Needs: Python 3.11 x64, Inno Setup 6 (iscc on PATH). Run from anywhere:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-ModelDir C:\kokoro]
param([string]$ModelDir = "")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
$python = ".venv\Scripts\python.exe"
& $python -m pip install -q --upgrade pip
# PyPI's Windows torch wheel is the CPU build: no CUDA DLLs to mismatch.
& $python -m pip install -q torch==2.13.0
# Pillow lets PyInstaller turn resources\icon-256.png into the .exe icon.
& $python -m pip install -q -e ".[packaging]" pillow
& $python -m spacy download en_core_web_sm
$env:PYTHONPATH = (Get-Location).Path
$version = & $python -c "import studio; print(studio.__version__)"

& $python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\narration-studio.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
if ($ModelDir) {
  & dist\narration-studio\narration-studio.exe --self-test --model-dir $ModelDir
  if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }
}
iscc /DAppVersion=$version packaging\windows\narration-studio.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
