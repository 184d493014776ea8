; Inno Setup 6 script: per-machine install of the PyInstaller bundle (dist\concierge) for branch PCs.
; Built by packaging\build.ps1:  ISCC.exe /DAppVersion=0.1.0 packaging\installer\concierge.iss
; Start-menu entries for the console and the wallboard (--wallboard), optional desktop shortcuts,
; silent install for IT (Concierge-Setup-x.y.z.exe /VERYSILENT /NORESTART), and a place for the
; machine-wide settings file (%PROGRAMDATA%\Concierge\settings.json) that IT deploys; it is never
; overwritten or removed by an install, upgrade or uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Concierge"
#define AppExe "concierge.exe"

[Setup]
; A fixed AppId: upgrades replace the installed version in place.
AppId={{6F0C2E55-3B8C-4C53-9E3B-2C1A7A0F4D21}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Customer Care Engineering
AppComments=Supervisor console for social-media customer care
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-machine: every supervisor on the PC gets it; needs an administrator (or IT's deployment tool).
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=Concierge-Setup-{#AppVersion}
SetupIconFile=..\concierge.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Desktop shortcut for the console"; GroupDescription: "Shortcuts:"; Flags: unchecked
Name: "wallboardicon"; Description: "Desktop shortcut for the wallboard"; GroupDescription: "Shortcuts:"; Flags: unchecked

[Dirs]
; The machine-wide settings folder: readable by all users, written by administrators only.
Name: "{commonappdata}\Concierge"; Permissions: users-readexec

[Files]
Source: "..\..\dist\concierge\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; An example machine file beside the program; the live one in ProgramData is IT's to write.
Source: "machine-settings.example.json"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Supervisor console"
Name: "{autoprograms}\{#AppName} Wallboard"; Filename: "{app}\{#AppExe}"; Parameters: "--wallboard"; Comment: "Full-screen wallboard (no customer data)"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon
Name: "{autodesktop}\{#AppName} Wallboard"; Filename: "{app}\{#AppExe}"; Parameters: "--wallboard"; Tasks: wallboardicon

[Run]
; A post-install check IT can see in the install log: offscreen sync and render, exit code 0.
Filename: "{app}\concierge-console.exe"; Parameters: "--selftest"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."
Filename: "{app}\{#AppExe}"; Description: "Start Concierge"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program wrote in its own folder; user caches, logs and the machine settings stay.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
