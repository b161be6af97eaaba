"""Is there a complaint in it? The gate an emerging topic passes: complaint content, not questions or chit-chat.

On the real Weibo complaints, ten posts like "这是真的吗?" made an emerging topic (这是·好): they
share words, so they are tight, but they are not a new problem. A complaint names something of
the service (a word of the telecom user dictionary or of the taxonomy's seeds: 信号, 扣费, 营业厅,
套餐, 激活; a compound such as 4G信号 counts) and says more than a short question. A group
becomes an emerging topic only when most of its members are complaints.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np


class ContentGate:
    """``domain``: the service's words; a complaint has at least ``min_domain`` of them among at
    least ``min_tokens`` content tokens; a group passes when ``min_share`` of its members do."""

    def __init__(self, domain: Iterable[str], min_domain: int = 1, min_tokens: int = 4, min_share: float = 0.6) -> None:
        self.domain = frozenset(w.upper() for w in domain if w)
        self.min_domain = min_domain
        self.min_tokens = min_tokens
        self.min_share = min_share
        self._longest = max((len(w) for w in self.domain), default=0)

    def _names_service(self, token: str) -> bool:
        if token in self.domain:
            return True
        n = len(token)  # a compound token (4G信号, 彩铃费) holding a service word of two or more characters
        return n > 2 and any(token[i:j] in self.domain for i in range(n)
                             for j in range(i + 2, min(n, i + self._longest) + 1) if j - i < n)

    def is_complaint(self, tokens: list[str]) -> bool:
        if len(tokens) < self.min_tokens:
            return False
        return sum(1 for t in tokens if self._names_service(t)) >= self.min_domain

    def group_ok(self, rows: np.ndarray, tokens: list[list[str]]) -> bool:
        """Whether enough of these rows' complaints are complaints."""
        if not len(rows):
            return False
        return float(np.mean([self.is_complaint(tokens[i]) for i in rows])) >= self.min_share
