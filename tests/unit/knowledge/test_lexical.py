from knowledge.lexical import BM25, fold, tokenize


def test_fold_spells_umlauts_like_people_without_german_keyboard() -> None:
    assert fold("Zurücksetzen Größe") == "zuruecksetzen groesse"
    assert tokenize("Passwort zurücksetzen") == tokenize("passwort zuruecksetzen")


def test_error_codes_stay_whole() -> None:
    assert "0x80070005" in tokenize("Fehler 0x80070005 beim Update")
    assert "net::err_cert_authority_invalid" not in tokenize("NET::ERR_CERT_AUTHORITY_INVALID")  # ':' splits once
    assert any("err_cert_authority_invalid" in t for t in tokenize("NET::ERR_CERT_AUTHORITY_INVALID"))


def test_bm25_ranks_exact_code_first_and_forgets_removed_docs() -> None:
    bm = BM25()
    bm.add(1, "Windows Update schlägt fehl mit Fehler 0x80070005")
    bm.add(2, "Drucker druckt nicht, Auftrag hängt")
    bm.add(3, "Update von Office")
    scores = bm.scores("0x80070005")
    assert list(scores) == [1]
    bm.remove(1)
    assert bm.scores("0x80070005") == {}
    assert len(bm) == 2


def test_bm25_replacing_a_document_drops_old_terms() -> None:
    bm = BM25()
    bm.add(1, "alter Inhalt Beamer")
    bm.add(1, "neuer Inhalt Drucker")
    assert bm.scores("Beamer") == {}
    assert 1 in bm.scores("Drucker")
