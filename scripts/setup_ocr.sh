#!/usr/bin/env bash
# Tesseract OCR from Debian's packages with the German and English data: the chat reads the error text of an
# employee's screenshot (web/chat/ocr.py runs the `tesseract` command in its own process).
set -euo pipefail
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
for lang in deu eng; do
  tesseract --list-langs 2>/dev/null | grep -qx "$lang" || missing+=("tesseract-ocr-$lang")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: tesseract is installed ($(tesseract --version 2>/dev/null | head -1), deu+eng)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]} from Debian's packages ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup: $(tesseract --version 2>/dev/null | head -1)"
