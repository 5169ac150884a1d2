; Inno Setup script: the Windows installer for Narration Studio.
; UNTESTED ON THESE MACHINES (they run Linux only). It follows Inno Setup 6's documentation.
;
; Build on Windows from the repository root (see packaging/windows/build.ps1, which does all three):
;   1. the bundle:     python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\narration-studio.spec
;   2. this installer: iscc /DAppVersion=0.1.0 packaging\windows\narration-studio.iss
;   3. the check:      dist\narration-studio\narration-studio.exe --self-test
; Output: dist\narration-studio-VERSION-windows-x64-setup.exe
;
; The bundle holds everything but the model (CPU PyTorch, Qt, espeak-ng, spaCy's English model,
; libsndfile, PortAudio), so users need no Python, no espeak-ng install and no CUDA.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Narration Studio"
#define BundleDir "..\..\dist\narration-studio"
#define IconFile "..\..\resources\icon.ico"

[Setup]
AppId={{6F0B7C0E-5D2A-4C59-9B1E-7A3D2C9E4F61}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Narration Studio
AppPublisherURL=https://narration.studio
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin rights needed); the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=narration-studio-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppName}.exe
#if FileExists(IconFile)
SetupIconFile={#IconFile}
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle: "Narration Studio.exe" (windowed), narration-studio.exe (console,
; for the command line and --self-test) and _internal\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppName}.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppName}.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppName}.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
