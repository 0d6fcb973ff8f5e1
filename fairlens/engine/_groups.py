"""Group codes: every sensitive attribute and their intersection, in one pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairlens.data import Attribute
from fairlens.data._prepare import check_intersection_count
from fairlens.engine._tables import CHUNK_ROWS, chunked_bincounts

_DENSE_LIMIT = 50_000_000


@dataclass
class Grouping:
    """One way of splitting rows into groups (an attribute, or the intersection).

    Attributes
    ----------
    name : str
        The attribute, or the attributes joined by ``" x "``.
    attributes : list of str
    labels : list of tuple
        The attribute values of each group, in code order.
    fine_map : numpy.ndarray
        For each finest (intersection) group, the code of the group here.
    """

    name: str
    attributes: list[str]
    labels: list[tuple]
    fine_map: np.ndarray

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.labels)

    @property
    def is_finest(self) -> bool:
        """True when this grouping is the finest partition (``fine_map`` is the identity)."""
        return len(self.fine_map) == len(self.labels) and bool(
            np.array_equal(self.fine_map, np.arange(len(self.labels)))
        )

    def marginalize(self, table: np.ndarray, axis: int) -> np.ndarray:
        """Sum a table over the finest groups into this grouping's groups along ``axis``."""
        if self.is_finest:
            return table
        if axis == 0 or axis == -table.ndim:
            # Group axis first (no replicate axes): sum the rows of each target group.
            order = np.argsort(self.fine_map, kind="stable")
            starts = np.searchsorted(self.fine_map[order], np.arange(self.n_groups))
            return np.add.reduceat(table[order], starts, axis=0)
        moved = np.moveaxis(table, axis, -1)
        onehot = np.zeros((len(self.fine_map), self.n_groups))
        onehot[np.arange(len(self.fine_map)), self.fine_map] = 1.0
        return np.moveaxis(moved @ onehot, -1, axis)


@dataclass
class GroupIndex:
    """Finest-group code of every row plus the groupings derived from it.

    Attributes
    ----------
    fine_codes : numpy.ndarray
        Finest-group code per row (``int32`` or ``int64``).
    n_fine : int
    groupings : list of Grouping
        Each single attribute, then the intersection when there are two or more attributes.
    """

    fine_codes: np.ndarray
    n_fine: int
    groupings: list[Grouping]

    def grouping(self, name: str) -> Grouping:
        """Look up a grouping by name."""
        for g in self.groupings:
            if g.name == name:
                return g
        raise KeyError(name)


def build_group_index(attributes: list[Attribute]) -> GroupIndex:
    """Combine the attributes' codes into finest-group codes without sorting the rows.

    Parameters
    ----------
    attributes : list of Attribute
        Encoded sensitive attributes (at least one).

    Returns
    -------
    GroupIndex
    """
    cards = [len(a.categories) for a in attributes]
    strides = np.cumprod([1] + cards[::-1][:-1])[::-1]
    total = int(np.prod(cards))
    n_rows = len(attributes[0].codes)

    def combined_of(sl: slice) -> np.ndarray:
        combined = attributes[0].codes[sl].astype(np.int64) * int(strides[0])
        for a, stride in zip(attributes[1:], strides[1:], strict=True):
            combined += a.codes[sl].astype(np.int64) * int(stride)
        return combined

    if total <= _DENSE_LIMIT:
        counts = chunked_bincounts(n_rows, total, combined_of)[0]
        present = np.flatnonzero(counts)
        check_intersection_count([a.name for a in attributes], len(present))
        lookup = np.full(total, -1, dtype=np.int32)
        lookup[present] = np.arange(len(present), dtype=np.int32)
        fine_codes = np.empty(n_rows, dtype=np.int32)
        for start in range(0, n_rows, CHUNK_ROWS):
            sl = slice(start, min(start + CHUNK_ROWS, n_rows))
            fine_codes[sl] = lookup[combined_of(sl)]
    else:
        present, fine_codes = np.unique(combined_of(slice(None)), return_inverse=True)
        check_intersection_count([a.name for a in attributes], len(present))
    groupings = groupings_from_present(
        [a.name for a in attributes], [a.categories for a in attributes], present)
    return GroupIndex(fine_codes=fine_codes, n_fine=len(present), groupings=groupings)


def groupings_from_present(names: list[str], categories: list[list], present: np.ndarray
                           ) -> list[Grouping]:
    """The groupings of the finest groups that occur.

    Parameters
    ----------
    names : list of str
        Attribute names.
    categories : list of list
        Each attribute's values, in code order.
    present : numpy.ndarray
        Ascending combined codes ``sum(code_i * stride_i)`` of the finest groups that occur
        (strides as in :func:`build_group_index`); the finest group ``i`` is ``present[i]``.

    Returns
    -------
    list of Grouping
        Each attribute, then the intersection when there are two or more.
    """
    cards = [len(c) for c in categories]
    strides = np.cumprod([1] + cards[::-1][:-1])[::-1]
    per_attr = [(present // int(s)) % c for s, c in zip(strides, cards, strict=True)]
    groupings = []
    for name, cats, codes in zip(names, categories, per_attr, strict=True):
        used = np.unique(codes)
        remap = np.full(len(cats), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        groupings.append(Grouping(name=name, attributes=[name],
                                  labels=[(cats[u],) for u in used], fine_map=remap[codes]))
    if len(names) > 1:
        labels = [tuple(cats[int(codes[i])] for cats, codes in zip(categories, per_attr,
                                                                    strict=True))
                  for i in range(len(present))]
        groupings.append(Grouping(name=" x ".join(names), attributes=list(names),
                                  labels=labels, fine_map=np.arange(len(present))))
    return groupings
