# Build the Windows one-folder bundle (dist\concierge) with PyInstaller, run its --selftest, print its size,
# then (when Inno Setup 6 is installed) the per-machine installer dist\Concierge-Setup-<version>.exe.
# PyInstaller is a build tool, installed into the venv here; never a run-time dependency.
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 [-NoTest] [-NoInstaller]
param([switch]$NoTest, [switch]$NoInstaller)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$Py = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $Py)) {
    python -m venv .venv
    & $Py -m pip install -q -e .
}
& $Py -m PyInstaller --version *> $null
if ($LASTEXITCODE -ne 0) { & $Py -m pip install -q "pyinstaller>=6.10,<7" }

$sw = [Diagnostics.Stopwatch]::StartNew()
& $Py -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build packaging\concierge.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Bundle = Join-Path $Root "dist\concierge"
$size = (Get-ChildItem $Bundle -Recurse -File | Measure-Object -Sum Length).Sum / 1MB
"bundle: $Bundle built in {0:N0} s, {1:N0} MB" -f $sw.Elapsed.TotalSeconds, $size

if (-not $NoTest) {
    $env:CONCIERGE_LOG_DIR = Join-Path $env:TEMP "concierge-selftest-logs"
    & (Join-Path $Bundle "concierge-console.exe") --selftest
    if ($LASTEXITCODE -ne 0) { throw "selftest failed" }
}
if (-not $NoInstaller) {
    $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
    if (Test-Path $Iscc) {
        $Version = (& $Py -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
        & $Iscc "/DAppVersion=$Version" packaging\installer\concierge.iss
        if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
    } else {
        "Inno Setup 6 not found: bundle built, no installer (https://jrsoftware.org/isinfo.php)"
    }
}
