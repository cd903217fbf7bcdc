"""One contract for every vector index (the haystack pattern): FAISS and the NumPy reference pass the same tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.vector_index import FaissIndex, NumpyIndex, VectorIndex

DIM = 8


def unit(*values: float) -> np.ndarray:
    v = np.zeros(DIM, np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


class VectorIndexContract:
    """Subclasses name the index under test in :meth:`make`."""

    def make(self, dimension: int = DIM) -> VectorIndex:
        raise NotImplementedError

    def test_an_empty_index_finds_nothing(self) -> None:
        index = self.make()
        assert len(index) == 0 and index.search(unit(1), 5) == []

    def test_search_returns_ids_by_inner_product_best_first(self) -> None:
        index = self.make()
        index.upsert([10, 20, 30], np.stack([unit(1, 0), unit(1, 1), unit(0, 1)]))
        found = index.search(unit(1, 0), 2)
        assert [i for i, _ in found] == [10, 20]
        assert found[0][1] == pytest.approx(1.0) and found[1][1] == pytest.approx(np.sqrt(0.5))
        assert len(index.search(unit(1, 0), 50)) == 3  # k beyond the size: everything
        assert index.search(unit(1, 0), 0) == []

    def test_upsert_replaces_a_vector_with_the_same_id(self) -> None:
        index = self.make()
        index.upsert([1, 2], np.stack([unit(1), unit(0, 1)]))
        index.upsert([1], unit(0, 0, 1).reshape(1, -1))
        assert len(index) == 2
        assert index.search(unit(0, 0, 1), 1)[0] == (1, pytest.approx(1.0))
        assert np.allclose(index.vector(1), unit(0, 0, 1))

    def test_remove_drops_ids_and_ignores_unknown_ones(self) -> None:
        index = self.make()
        index.upsert([1, 2, 3], np.stack([unit(1), unit(0, 1), unit(0, 0, 1)]))
        index.remove([2, 99])
        index.remove([])
        assert len(index) == 2 and {i for i, _ in index.search(unit(0, 1), 5)} == {1, 3}
        with pytest.raises(KeyError):
            index.vector(2)

    def test_large_ids_are_kept_exactly(self) -> None:
        index = self.make()
        big = 2**62 + 7  # chunk ids are 63-bit digests
        index.upsert([big], unit(1).reshape(1, -1))
        assert index.search(unit(1), 1)[0][0] == big

    def test_save_and_load_round_trip(self, tmp_path: Path) -> None:
        index = self.make()
        index.upsert([5, 6], np.stack([unit(1), unit(0, 1)]))
        index.save(tmp_path / "vectors")
        again = self.make()
        again.load(tmp_path / "vectors")
        assert len(again) == 2 and again.search(unit(0, 1), 1)[0][0] == 6
        assert not list(tmp_path.glob("*.tmp*"))  # written atomically, nothing left over

    def test_loading_something_else_is_a_value_error(self, tmp_path: Path) -> None:
        (tmp_path / "broken").write_bytes(b"not an index")
        with pytest.raises(ValueError):
            self.make().load(tmp_path / "broken")
        wider = self.make(DIM * 2)
        wider.upsert([1], np.ones((1, DIM * 2), np.float32))
        wider.save(tmp_path / "wider")
        with pytest.raises(ValueError):
            self.make().load(tmp_path / "wider")

    def test_clear_empties_it(self) -> None:
        index = self.make()
        index.upsert([1], unit(1).reshape(1, -1))
        index.clear()
        assert len(index) == 0 and index.search(unit(1), 1) == []

    def test_agrees_with_the_reference_on_random_vectors(self) -> None:
        rng = np.random.default_rng(17)
        vectors = rng.normal(size=(200, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = [int(i) * 1000 + 3 for i in range(200)]
        index, reference = self.make(), NumpyIndex(DIM)
        for target in (index, reference):
            target.upsert(ids, vectors)
            target.remove(ids[::7])
        for q in rng.normal(size=(10, DIM)).astype(np.float32):
            mine, theirs = index.search(q, 10), reference.search(q, 10)
            assert [i for i, _ in mine] == [i for i, _ in theirs]
            assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], abs=1e-5)


class TestFaissIndex(VectorIndexContract):
    def make(self, dimension: int = DIM) -> VectorIndex:
        return FaissIndex(dimension)


class TestNumpyIndex(VectorIndexContract):
    def make(self, dimension: int = DIM) -> VectorIndex:
        return NumpyIndex(dimension)
