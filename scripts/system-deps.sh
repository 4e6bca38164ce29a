#!/usr/bin/env bash
# Install the Debian packages appealgen needs (LibreOffice for DOCX->PDF and python3-uno for
# its warm per-worker listener, HarfBuzz's subsetter for fast WeasyPrint, metric-compatible
# fonts, poppler-utils and qpdf, util-linux's unshare to keep LibreOffice off the network;
# Tesseract and Ghostscript for OCRmyPDF, which reads scanned pages for the identity check with
# --ocr; PostgreSQL, whose throwaway server the tests of the tracking log run against; Chromium,
# the real browser the HTML report is tested in, headless and offline).
# Runs apt-get when root; otherwise prints the exact command and checks what is there.
set -euo pipefail
PKGS=(libreoffice-writer-nogui python3-uno libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
      fonts-liberation2 fonts-dejavu-core fontconfig poppler-utils qpdf util-linux postgresql chromium
      tesseract-ocr tesseract-ocr-eng ghostscript)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $cmd
else
  echo "system packages missing: ${missing[*]}" >&2
  echo "run as root: apt-get update && $cmd" >&2
  exit 1
fi
