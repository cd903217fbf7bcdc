"""Twenty error dialogs as employees screenshot them (Windows, Outlook, VPN; German and English), drawn with Pillow.

Each :class:`Dialog` names the article its text should reach. :func:`render` draws it in a Windows-like frame
(title bar, icon, wrapped message, buttons) on a piece of desktop, with one of the machine's fonts, a font size
and a display scaling of 100–200 %, so OCR meets what it meets on office PCs. Used by ``python -m bench.ocr``
and by the tests (``tests/unit/web/test_chat_attachments.py``, ``tests/integration/test_screenshot_stack.py``).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"))
FONTS = (
    "DejaVuSans.ttf",
    "LiberationSans-Regular.ttf",
    "DejaVuSerif.ttf",
    "LiberationSerif-Regular.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSansNarrow-Regular.ttf",
)
ICON_COLOURS = {"error": (196, 43, 28), "warning": (234, 179, 8), "info": (0, 103, 192)}


@dataclass(frozen=True)
class Dialog:
    """One error dialog: what it says, how it is drawn, and the article its text should lead to."""

    slug: str
    title: str
    message: str
    buttons: tuple[str, ...] = ("OK",)
    icon: str = "error"
    font: int = 0  # index into FONTS
    size: int = 12  # font size in points at 100 %
    scale: float = 1.0  # display scaling (1.0 … 2.0)
    dark_title: bool = False


DIALOGS: tuple[Dialog, ...] = (
    Dialog("outlook-startet-nicht", "Microsoft Outlook",
           "Microsoft Outlook kann nicht gestartet werden. Das Outlook-Fenster kann nicht geöffnet werden. "
           "Der Satz Ordner kann nicht geöffnet werden.", font=0, size=12, scale=1.0),
    Dialog("outlook-postfach-voll", "Microsoft Outlook",
           "Ihr Postfach ist voll. Sie können keine E-Mails mehr senden. Löschen Sie nicht mehr benötigte "
           "Elemente aus Ihrem Postfach oder archivieren Sie sie.", icon="warning", font=1, size=11, scale=1.25),
    Dialog("vpn-fehler", "VPN-Client",
           "Die VPN-Verbindung konnte nicht hergestellt werden. Fehler 809: Die Netzwerkverbindung zwischen "
           "Ihrem Computer und dem VPN-Server wurde unterbrochen.", ("Erneut versuchen", "Abbrechen"),
           font=2, size=11, scale=1.5),
    Dialog("passwort-abgelaufen", "Windows-Sicherheit",
           "Ihr Kennwort ist abgelaufen und muss geändert werden. Melden Sie sich an und ändern Sie Ihr Kennwort.",
           icon="warning", font=3, size=12, scale=1.0, dark_title=True),
    Dialog("konto-gesperrt", "Anmeldung",
           "Das referenzierte Konto ist zurzeit gesperrt, und Sie können sich möglicherweise nicht anmelden. "
           "Zu viele Fehlversuche.", font=4, size=12, scale=1.75),
    Dialog("drucker-druckt-nicht", "Drucker",
           "Der Druckauftrag konnte nicht gedruckt werden. Der Drucker ist offline oder der Druckerspooler "
           "reagiert nicht.", ("OK", "Abbrechen"), font=5, size=12, scale=2.0),
    Dialog("netzlaufwerk-verbinden", "Windows-Explorer",
           "Das Netzlaufwerk H: konnte nicht verbunden werden. Der Netzwerkpfad wurde nicht gefunden.",
           font=0, size=10, scale=1.5),
    Dialog("office-aktivierung", "Microsoft Word",
           "Nicht lizenziertes Produkt. Die meisten Funktionen von Word wurden deaktiviert, weil Office nicht "
           "aktiviert ist.", ("Aktivieren", "Schließen"), icon="warning", font=1, size=12, scale=1.0),
    Dialog("zertifikatsfehler-browser", "Microsoft Edge",
           "Die Verbindung ist nicht privat. Das Sicherheitszertifikat dieser Website ist ungültig. "
           "NET::ERR_CERT_AUTHORITY_INVALID", font=2, size=12, scale=1.25),
    Dialog("windows-updates", "Windows Update",
           "Fehler bei der Installation von Updates. Einige Updates konnten nicht installiert werden. "
           "Fehlercode 0x80070643", ("Wiederholen",), icon="warning", font=3, size=11, scale=1.5),
    Dialog("usb-stick-gesperrt", "Geräteverwaltung",
           "Der Zugriff auf den USB-Stick wurde verweigert. Wechseldatenträger sind durch eine Richtlinie "
           "gesperrt.", font=4, size=11, scale=1.0),
    Dialog("onedrive-synchronisation", "Microsoft OneDrive",
           "OneDrive kann nicht synchronisiert werden. Die Synchronisierung wurde angehalten.",
           ("Fortsetzen", "Schließen"), icon="warning", font=5, size=12, scale=1.25),
    Dialog("outlook-startet-nicht", "Microsoft Outlook",
           "Cannot start Microsoft Outlook. Cannot open the Outlook window. The set of folders cannot be opened.",
           font=1, size=11, scale=1.75),
    Dialog("vpn-fehler", "VPN client",
           "The VPN connection failed. Error 809: The network connection between your computer and the VPN "
           "server could not be established.", ("Retry", "Cancel"), font=0, size=12, scale=2.0, dark_title=True),
    Dialog("passwort-abgelaufen", "Windows Security",
           "Your password has expired and must be changed. Sign in and change your password.", icon="warning",
           font=2, size=12, scale=1.0),
    Dialog("outlook-postfach-voll", "Microsoft Outlook",
           "Your mailbox is full. You can no longer send e-mail. Delete items you no longer need or archive them.",
           icon="warning", font=3, size=12, scale=1.5),
    Dialog("teams-anmeldung", "Microsoft Teams",
           "We couldn't sign you in to Teams. Sign-in failed, please try again. Error code: caa70004",
           ("Try again",), font=4, size=12, scale=1.25),
    Dialog("drucker-druckt-nicht", "Printer",
           "The print job could not be printed. The printer is offline or the print spooler is not responding.",
           font=5, size=11, scale=1.0),
    Dialog("dienstausweis-smartcard-pin", "Windows-Sicherheit",
           "Die Smartcard ist gesperrt. Die PIN wurde zu oft falsch eingegeben.", icon="error", font=0, size=11,
           scale=1.25, dark_title=True),
    Dialog("wlan-verbinden", "Netzwerk",
           "Keine Verbindung mit diesem WLAN möglich. Das WLAN-Netzwerk ist nicht erreichbar.",
           ("Schließen",), icon="info", font=1, size=12, scale=2.0),
)  # fmt: skip


def font_path(name: str) -> Path:
    """A TrueType font of the machine (Debian's fonts-dejavu / fonts-liberation)."""
    for root in FONT_DIRS:
        found = sorted(root.rglob(name)) if root.is_dir() else []
        if found:
            return found[0]
    raise FileNotFoundError(f"font {name} not installed (fc-list)")


def _icon(draw: ImageDraw.ImageDraw, kind: str, x: int, y: int, d: int) -> None:
    colour = ICON_COLOURS[kind]
    if kind == "warning":
        draw.polygon([(x + d // 2, y), (x + d, y + d), (x, y + d)], fill=colour)
    else:
        draw.ellipse([x, y, x + d, y + d], fill=colour)
    mark = max(2, d // 10)
    draw.line([(x + d // 2, y + d // 4), (x + d // 2, y + d * 3 // 5)], fill="white", width=mark)
    draw.ellipse([x + d // 2 - mark, y + d * 3 // 4 - mark, x + d // 2 + mark, y + d * 3 // 4 + mark], fill="white")


def render(dialog: Dialog) -> Image.Image:
    """The dialog on a piece of desktop, as a screenshot at the dialog's display scaling."""
    s = dialog.scale
    px = round(dialog.size * 96 / 72 * s)  # points at 96 dpi, times the scaling
    font = ImageFont.truetype(str(font_path(FONTS[dialog.font])), px)
    title_font = ImageFont.truetype(str(font_path(FONTS[dialog.font])), round(px * 0.95))
    width = round(440 * s)
    icon = round(32 * s)
    pad = round(16 * s)
    chars = max(20, int((width - icon - 3 * pad) / (px * 0.52)))
    lines = textwrap.wrap(dialog.message, chars)
    line_h = round(px * 1.35)
    title_h = round(30 * s)
    body_h = max(icon, len(lines) * line_h)
    button_h = round(26 * s)
    height = title_h + pad * 2 + body_h + pad + button_h + pad * 2
    margin = round(24 * s)
    shot = Image.new("RGB", (width + 2 * margin, height + 2 * margin), (0, 84, 147))
    draw = ImageDraw.Draw(shot)
    x0, y0 = margin, margin
    draw.rectangle([x0, y0, x0 + width, y0 + height], fill=(240, 240, 240), outline=(120, 120, 120))
    bar = (32, 32, 32) if dialog.dark_title else (255, 255, 255)
    draw.rectangle([x0 + 1, y0 + 1, x0 + width - 1, y0 + title_h], fill=bar)
    ink = (255, 255, 255) if dialog.dark_title else (0, 0, 0)
    draw.text((x0 + pad // 2, y0 + (title_h - px) // 2), dialog.title, font=title_font, fill=ink)
    draw.text((x0 + width - pad * 2, y0 + (title_h - px) // 2), "×", font=title_font, fill=ink)
    body_y = y0 + title_h + pad * 2
    draw.rectangle([x0 + 1, y0 + title_h + 1, x0 + width - 1, body_y + body_h + pad], fill=(255, 255, 255))
    _icon(draw, dialog.icon, x0 + pad, body_y, icon)
    for i, line in enumerate(lines):
        draw.text((x0 + 2 * pad + icon, body_y + i * line_h), line, font=font, fill=(0, 0, 0))
    bx = x0 + width - pad
    by = body_y + body_h + pad * 2
    for label in reversed(dialog.buttons):
        w = max(round(80 * s), round(draw.textlength(label, font=font)) + pad * 2)
        draw.rectangle(
            [bx - w, by, bx, by + button_h], fill=(253, 253, 253), outline=(0, 120, 215), width=max(1, round(s))
        )
        draw.text((bx - w + pad, by + (button_h - px) // 2), label, font=font, fill=(0, 0, 0))
        bx -= w + pad // 2
    return shot


def png(dialog: Dialog) -> bytes:
    """The rendered dialog as PNG bytes (what an employee would paste)."""
    out = io.BytesIO()
    render(dialog).save(out, format="PNG")
    return out.getvalue()
