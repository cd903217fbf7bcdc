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
"$(dirname "$0")/apt_install.sh" "${missing[@]}"
echo "setup: $(tesseract --version 2>/dev/null | head -1)"
