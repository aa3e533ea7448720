#!/usr/bin/env bash
# Installs Debian's Tesseract OCR and the language packs of the six UN languages: scanned PDF
# pages (no text layer) are read with it. Skips the install when everything is present.
set -euo pipefail
need=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-chi-sim tesseract-ocr-spa tesseract-ocr-rus tesseract-ocr-ara)
if command -v tesseract >/dev/null 2>&1; then
  have=$(tesseract --list-langs 2>/dev/null || true)
  missing=0
  for lang in eng fra chi_sim spa rus ara; do
    grep -qx "$lang" <<<"$have" || missing=1
  done
  [ "$missing" -eq 0 ] && exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
