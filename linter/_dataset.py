"""Dataset-wide rules. They run in the main process over compact per-record
facts that arrive in file order (begin / visit / finish), keeping hashes and
counts, never records."""

from __future__ import annotations

import functools
import os
import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

import numpy as np

from ._config import LintConfig
from ._diagnostic import Applicability, Diagnostic, Fix, Severity, Span
from ._keyset import FirstSeen, first_in_batch
from ._text import plural
from ._validate import RecordFacts, delimiter_repr
from .rules import (
    PII_RULES, CommonPromptPrefix, ConflictingTargets, DuplicateExample, FormatNotTrainable, InconsistentSystemPrompt,
    MissingPromptSeparator, MissingStopSequence, NearDuplicate, SplitLeakage, StopInsidePrompt, TooFewExamples,
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_NO_SYSTEM = 1
"""The ``system`` key of examples without a system prompt (see :func:`facts_columns`)."""

FOUND_AT_END = frozenset({SplitLeakage.code, NearDuplicate.code})
"""Per-line findings that :meth:`DatasetState.finish` reports: near-duplicates and leaks are
searched for once the whole file's signatures are in."""


def setup_extra(config: LintConfig, role: str) -> dict:
    return {
        "role": role,
        "allow_values": tuple(config.allow_values),
        "allow_domains": tuple(config.allow_domains),
        "near_duplicates": NearDuplicate.code in _enabled(config) or SplitLeakage.code in _enabled(config),
        "near_threshold": config.near_duplicate_threshold,
    }


def _enabled(config: LintConfig) -> frozenset[str]:
    from .rules import RULES

    return frozenset(r.code for r in RULES if config.is_enabled(r.code))


_last_rules: list = [None, None]


def content_rules(setup) -> "ContentRules | None":
    """Per-record content checks run in the worker (PII and secrets), or None when
    none is enabled. Reused across the chunks of one file so its memo carries over."""
    key = (setup.path, setup.enabled, setup.extra.get("allow_values"), setup.extra.get("allow_domains"),
           setup.prefilter)
    if _last_rules[0] != key:
        rules = ContentRules(setup)
        _last_rules[0], _last_rules[1] = key, (rules if rules.kinds else None)
    return _last_rules[1]


class ContentRules:
    """Checks on the text of a record: personal data and secrets."""

    def __init__(self, setup):
        from . import pii

        self._pii = pii
        self.path = setup.path
        enabled = [r for r in PII_RULES if r.code in setup.enabled]
        self.kinds = frozenset(r.pii_kind for r in enabled)
        self.severity = {r.code: r.severity for r in enabled}
        self.allow_values = frozenset(setup.extra.get("allow_values", ()))
        self.allow_domains = frozenset(setup.extra.get("allow_domains", ()))
        self.prefilter = setup.prefilter
        """Whether a Hyperscan pass picks the texts to check (else every text is checked)."""
        self._memo: dict[str, list] = {}

    def check_batch(self, records) -> list[tuple[int, Diagnostic]]:
        """Scan the texts of many records: ``records`` holds ``(row, line, texts)`` with
        ``texts`` as ``(pointer, text)`` pairs; returns ``(row, diagnostic)`` pairs.

        One prefilter pass over all the texts picks the few that can hold personal data
        or secrets; only those are scanned in detail."""
        if not self.kinds:
            return []
        pii = self._pii
        flat = [item for _, _, record_texts in records for item in record_texts]
        texts = [text for _, text in flat]
        ends = list(accumulate(len(record_texts) for _, _, record_texts in records))
        candidates = pii.may_contain(texts, self.kinds) if self.prefilter else None
        if candidates is None:
            candidates = range(len(texts))
        find = pii.find_sensitive
        placeholder = pii.placeholder
        memo = self._memo
        out: list[tuple[int, Diagnostic]] = []
        for index in candidates:
            text = texts[index]
            # Long strings that repeat (a shared system prompt, tool schemas) are scanned once.
            findings = memo.get(text) if len(text) >= 64 else None
            if findings is None:
                findings = find(text, allow_values=self.allow_values, allow_domains=self.allow_domains,
                                kinds=self.kinds)
                if len(text) >= 64:
                    if len(memo) >= 2048:
                        memo.clear()
                    memo[text] = findings
            if not findings:
                continue
            row, line, _ = records[bisect_right(ends, index)]
            pointer = flat[index][0]
            where = ""
            if pointer[:1] == pii.KEY_POINTER:  # the text is the key of the member at the pointer
                pointer, where = pointer[1:], " (in a key name)"
            # A pointer names keys, which can be the very values found: it is shown masked.
            pointer = pii.mask_pointer(pointer)
            for found in findings:
                what = found.label or found.kind.replace("-", " ")
                out.append((row, Diagnostic(
                    found.code, f"{what}{where}: {found.masked}", self.severity[found.code], self.path, line,
                    pointer, Span(found.start, found.end),
                    fix=Fix("redact", Applicability.UNSAFE, f"replace with {placeholder(found.kind)}"))))
        return out


def compact_facts(facts: RecordFacts, signature_row: int | None) -> tuple:
    """What the main process needs of a record; ``signature_row`` indexes the chunk's
    near-duplicate signatures. :func:`facts_columns` packs a chunk of these."""
    return fact_row(facts.line, facts.kind is not None, facts.dup_hash, facts.system_hash, facts.input_hash,
                    facts.target_hash, -1 if signature_row is None else signature_row)


def fact_row(line: int, usable: bool, dup: bytes | None, system: bytes | None, inp: bytes | None,
             target: bytes | None, signature_row: int) -> tuple:
    """The fact tuple :func:`facts_columns` reads (the engine's shortcut builds it directly)."""
    return line, usable, dup, system, inp, target, signature_row


_ZERO8 = bytes(8)
_ONE8 = (1).to_bytes(8, "little")


def _u64(digests) -> np.ndarray:
    """64-bit keys from digests: None -> 0, ``b""`` -> 1, a digest -> its first 8 bytes (never 0 or 1)."""
    joined = b"".join(_ZERO8 if d is None else (d[:8] if d else _ONE8) for d in digests)
    keys = np.frombuffer(joined, dtype="<u8").astype(np.uint64)
    low = keys < 2
    if low.any():
        real = np.fromiter((bool(d) for d in digests), dtype=bool, count=len(keys))
        keys[low & real] = 2
    return keys


def facts_columns(rows: list[tuple]) -> dict[str, np.ndarray]:
    """A chunk's :func:`compact_facts` as arrays: hashes become 64-bit keys (0 = none;
    for ``system``, 1 = no system prompt), compact to send and fast to index."""
    line, usable, dup, system, inp, target, sig = zip(*rows) if rows else ((),) * 7
    return {
        "line": np.array(line, dtype=np.int64),
        "usable": np.array(usable, dtype=bool),
        "dup": _u64(dup),
        "system": _u64(system),
        "input": _u64(inp),
        "target": _u64(target),
        "signature_row": np.array(sig, dtype=np.int64),
    }


_FORMAT_WORDS = {"chat": "chat (`messages`)", "completion": "completion (`prompt`/`completion`)",
                 "preference": "preference (DPO: `input`/`preferred_output`/`non_preferred_output`)",
                 "reinforcement": "reinforcement (`messages` prompts for a grader)"}


def format_gate(path: str, file_kind: str | None, config: LintConfig) -> Diagnostic | None:
    """FT205: the file's data format is one the target model cannot be fine-tuned on."""
    from ._models import formats_for_model, models_for_format

    accepted = config.data_formats if config.data_formats is not None else formats_for_model(config.model)
    if file_kind is None or accepted is None or file_kind in accepted:
        return None
    takes = " or ".join(_FORMAT_WORDS[f].split(" (")[0] for f in accepted) or "no"
    others = models_for_format(file_kind)
    hint = (f"; convert the records to {_FORMAT_WORDS[accepted[0]]}" if accepted else "")
    hint += f", or choose a model that trains on {file_kind} data ({', '.join(others)})" if others else ""
    return Diagnostic(FormatNotTrainable.code,
                      f"{config.model} cannot be fine-tuned on {_FORMAT_WORDS[file_kind]} data; it trains "
                      f"on {takes} data, so the provider would reject this file{hint}", ERROR, path)


class CrossFileState:
    """State shared between the training and validation files of one lint (FT204)."""

    def __init__(self, config: LintConfig):
        self.config = config
        self.train_path: str | None = None
        self.train_hashes: FirstSeen | None = None
        self.train_index = None
        self.validation_path: str | None = None
        """The lint's validation file, if it has one (the provider rules' record quotas count both)."""
        self.provider_records: dict[str, int] = {}
        """Records per role, counted by the provider rules' pass (FT734)."""
        self._open: list = []

    def keep_open(self, spilled):
        """Register spilled state to delete at :meth:`close` (the end of the lint)."""
        self._open.append(spilled)
        return spilled

    def close(self) -> None:
        """Delete the temporary files of every file's dataset state."""
        while self._open:
            self._open.pop().close()


class DatasetState:
    def __init__(self, path: str, config: LintConfig, enabled: frozenset[str], file_kind: str | None, role: str,
                 cross: CrossFileState):
        self.path = path
        self.config = config
        self.enabled = enabled
        self.file_kind = file_kind
        self.role = role
        self.cross = cross
        self.first_seen = FirstSeen((np.uint32,))
        """dedup key -> first line (FT301, and FT204 for the validation file); line numbers fit
        in 32 bits, as in the records table."""
        self.system_prompts: dict[int, list[int]] = {}
        """system prompt key -> [count, first line]; key 1 collects examples without a system prompt."""
        self.examples = 0
        self.usable = 0
        self.empty_file = False
        """Set by the engine for a file of 0 bytes: FT201 then says so."""
        self.inputs = FirstSeen((np.uint64, np.uint32))
        """input key -> (target key, first line) for FT303."""
        self.index = None
        """Near-duplicate signatures of this file (FT302, and FT204 when it is the training file)."""
        self.leak_queries = None
        """Signatures of validation examples to look up in the training file (FT204)."""
        self.exact_leaks: list[tuple[np.ndarray, np.ndarray]] = []
        """(lines, training lines) of exact leaks, reported with the near ones at the end."""
        self.conflicts: list[tuple[np.ndarray, np.ndarray]] = []
        """(lines, the lines they conflict with) of FT303: such a pair is not also a near-duplicate."""
        if NearDuplicate.code in enabled or (SplitLeakage.code in enabled and role == "train"):
            self.index = self._spilled()

    def _spilled(self):
        from .neardup import SpilledNearDuplicates

        return self.cross.keep_open(SpilledNearDuplicates(threshold=self.config.near_duplicate_threshold))

    def visit_chunk(self, facts: dict[str, np.ndarray], signatures=None, base: int = 0) -> list[Diagnostic]:
        """Visit a chunk's facts (:func:`facts_columns`, in file order); ``base`` is added to
        their line numbers. ``signatures`` is ``(band keys, 8-bit signatures)`` indexed by
        the facts' ``signature_row``."""
        out: list[Diagnostic] = []
        path = self.path
        self.examples += len(facts["usable"])
        rows = np.nonzero(facts["usable"])[0]
        self.usable += len(rows)
        if not len(rows):
            return out
        lines = facts["line"][rows] + base
        count = len(rows)
        positions = np.arange(count)

        # FT301: exact duplicates (after normalisation) of an earlier line.
        dup = facts["dup"][rows]
        found, (earlier,) = self.first_seen.get(dup)
        first = first_in_batch(dup)
        repeat = first != positions
        prior = np.where(found, earlier, np.where(repeat, lines[first], 0))
        new = ~found & ~repeat
        self.first_seen.add(dup[new], (lines[new],))
        exact = prior > 0
        if DuplicateExample.code in self.enabled:
            for i in np.nonzero(exact)[0].tolist():
                out.append(Diagnostic(DuplicateExample.code,
                                      f"duplicate of line {prior[i]}", WARNING, path, int(lines[i]),
                                      related_lines=(int(prior[i]),),
                                      fix=Fix("drop-line", Applicability.SAFE, "drop the duplicate, keep the first")))

        signature_row = facts["signature_row"][rows]
        has_signature = signature_row >= 0
        leak_on = (SplitLeakage.code in self.enabled and self.role == "validation"
                   and self.cross.train_hashes is not None)
        leak = np.zeros(count, dtype=bool)
        if leak_on:
            in_train, (train_line,) = self.cross.train_hashes.get(dup)
            if in_train.any():
                self.exact_leaks.append((lines[in_train], train_line[in_train]))
            leak = ~in_train & has_signature
        near = has_signature & ~exact

        # FT303: the same input with a different target than its first occurrence.
        if ConflictingTargets.code in self.enabled:
            inputs = facts["input"][rows]
            mask = (inputs != 0) & ~exact
            keys, targets, key_lines = inputs[mask], facts["target"][rows][mask], lines[mask]
            seen, (seen_target, seen_line) = self.inputs.get(keys)
            first = first_in_batch(keys)
            repeat = first != np.arange(len(keys))
            other_target = np.where(seen, seen_target, targets[first])
            other_line = np.where(seen, seen_line, key_lines[first])
            conflict = (seen | repeat) & (other_target != targets)
            if conflict.any():
                self.conflicts.append((key_lines[conflict], other_line[conflict]))
            for i in np.nonzero(conflict)[0].tolist():
                out.append(Diagnostic(ConflictingTargets.code,
                                      f"same input as line {other_line[i]} but a different target",
                                      WARNING, path, int(key_lines[i]), related_lines=(int(other_line[i]),)))
            new = ~seen & ~repeat
            self.inputs.add(keys[new], (targets[new], key_lines[new]))

        # FT203: which system prompts are used, how often, first where.
        system = facts["system"][rows]
        present = system != 0
        if present.any():
            keys, first_at, counts = np.unique(system[present], return_index=True, return_counts=True)
            first_lines = lines[present][first_at]
            systems = self.system_prompts
            for key, line, n in zip(keys.tolist(), first_lines.tolist(), counts.tolist()):
                entry = systems.get(key)
                if entry is None:
                    systems[key] = [n, line]
                else:
                    entry[0] += n

        if signatures is not None:
            bkeys, sig8 = signatures
            # Near-duplicates and near leaks are found in finish(), once all signatures are in.
            if leak.any() and self.cross.train_index is not None:
                if self.leak_queries is None:
                    self.leak_queries = self._spilled()
                picked = signature_row[leak]
                self.leak_queries.add_compact(lines[leak], bkeys[picked], sig8[picked])
            if self.index is not None and near.any():
                picked = signature_row[near]
                self.index.add_compact(lines[near], bkeys[picked], sig8[picked])
        out.sort(key=lambda d: d.line or 0)
        return out

    def _leaks(self) -> list[Diagnostic]:
        """FT204 of a validation file, exact and near, in line order."""
        found: list[tuple[int, int, list[int]]] = []  # (line, 0 exact / 1 near, training lines)
        for lines, train_lines in self.exact_leaks:
            found.extend((line, 0, [train]) for line, train in zip(lines.tolist(), train_lines.tolist()))
        self.exact_leaks = []
        if self.leak_queries is not None:
            found.extend((line, 1, matches) for line, matches in self.leak_queries.leaks(self.cross.train_index))
        found.sort(key=lambda item: item[0])
        train_path = self.cross.train_path
        out = []
        for line, near, matches in found:
            if near:
                message = f"nearly the same as line {matches[0]} of the training file {train_path}"
            else:
                message = f"also in the training file {train_path} (line {matches[0]})"
            out.append(Diagnostic(SplitLeakage.code, message, ERROR, self.path, line, related_lines=tuple(matches[:5])))
        return out

    def finish(self) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        path = self.path
        cfg = self.config
        if self.index is not None and NearDuplicate.code in self.enabled:
            conflicts = dict(zip(np.concatenate([lines for lines, _ in self.conflicts]).tolist(),
                                 np.concatenate([other for _, other in self.conflicts]).tolist())
                             ) if self.conflicts else {}
            self.conflicts = []
            for line, matches in self.index.near_duplicates():
                if line in conflicts:  # the pair is reported as FT303, more specific
                    matches = [m for m in matches if m != conflicts[line]]
                    if not matches:
                        continue
                out.append(Diagnostic(NearDuplicate.code, f"nearly the same as line {matches[0]}", WARNING, path, line,
                                      related_lines=tuple(matches[:5]),
                                      fix=Fix("drop-line", Applicability.UNSAFE,
                                              "drop the near-duplicate, keep the first")))
        out.extend(self._leaks())
        if self.role == "train" and self.cross.train_hashes is None:
            self.cross.train_path = self.path
            self.cross.train_hashes = self.first_seen
            self.cross.train_index = self.index
        else:
            for spilled in (self.index, self.leak_queries):
                if spilled is not None:
                    spilled.close()
        if TooFewExamples.code in self.enabled and self.role == "train":
            n = self.usable
            if n < cfg.min_examples:
                # "Example" as everywhere: a record in a known format (the README's definition).
                found = (f"the file is empty (0 bytes); at least {cfg.min_examples} examples"
                         if self.empty_file else f"{plural(n, 'example')}; at least {cfg.min_examples}")
                out.append(Diagnostic(TooFewExamples.code, f"{found} are required", ERROR, path))
            elif n < cfg.min_examples_warning:
                out.append(Diagnostic(TooFewExamples.code,
                                      f"only {plural(n, 'example')}; {cfg.min_examples_warning}+ are "
                                      "recommended for a noticeable effect", WARNING, path))
        if InconsistentSystemPrompt.code in self.enabled and self.system_prompts:
            without = self.system_prompts.get(_NO_SYSTEM)
            prompts = {k: v for k, v in self.system_prompts.items() if k != _NO_SYSTEM}
            if len(prompts) > 1:
                ranked = sorted(prompts.values(), key=lambda v: (-v[0], v[1]))
                top = ranked[0]
                others = ", ".join(str(v[1]) for v in ranked[1:6])
                out.append(Diagnostic(
                    InconsistentSystemPrompt.code,
                    f"{len(prompts)} different system prompts: the most common is used by "
                    f"{plural(top[0], 'example')} (first at line {top[1]}); others first appear at "
                    f"{'line' if len(ranked) == 2 else 'lines'} {others}"
                    + (" ..." if len(ranked) > 6 else ""), INFO, path, ranked[1][1],
                    related_lines=tuple(v[1] for v in ranked[:6])))
            if without is not None and prompts:
                with_prompt = sum(v[0] for v in prompts.values())
                out.append(Diagnostic(InconsistentSystemPrompt.code,
                                      f"{plural(without[0], 'example')} {'has' if without[0] == 1 else 'have'} "
                                      f"no system prompt while {with_prompt:,} {'has' if with_prompt == 1 else 'have'} "
                                      f"one (first without: line {without[1]})", INFO, path, without[1]))
        return out


# -- completion format -----------------------------------------------------------------------
#
# A delimiter (prompt separator, stop sequence) is a marker, not the longest tail most lines
# happen to share: made of whitespace and marker pieces (``###``, ``->``, ``END``, ``A:``,
# ``<|endoftext|>``), starting where a word or a sentence ends, with text before it. The one
# inferred is the one most lines end with (see :func:`infer_suffix`).

_SEPARATOR_CANDIDATES = ("\n\n###\n\n", " ->", "\n\n---\n\n", " =>", "\n\n===\n\n", " |||")
_STOP_CANDIDATES = (" END", "\n###", "\nEND", " ###", "<|stop|>", "\n")
_AFFIX_SAMPLE = 20_000
"""Records whose ends the separator and stop sequence are inferred from."""
_MAX_DELIMITER = 32
"""Longest delimiter inferred, in characters."""
_SAME_SHARE = 0.95
"""Share of the lines ending with a delimiter that must also have the same whitespace before it
for that whitespace to be part of the delimiter."""
_TAIL_CHARS = 40
"""Characters kept of each sampled string (more than ``_MAX_DELIMITER``: a delimiter must
start at a word boundary, which takes a look at the characters before it)."""
_FIRST_RECORDS = 512
"""Prompts kept until the likely stop sequences are known (FT408 counts prompts holding one)."""
_WATCH_SHARE = 0.5
"""Share of the first completions a stop sequence must end to be watched for in prompts."""
_PROMPT_HEAD = 4096
"""Characters kept of the first prompt (FT406 masks its shown prefix with them)."""
_LABEL_MAX_CHARS = 40
_LABEL_MAX_WORDS = 3
_MAX_LABELS = 2_000
_SENTENCE_PUNCTUATION = frozenset(".,;:!?)]}\"'"
                                   "\u2019\u201d\u00bb\u203a\u3002\uff1f\uff01\uff0c\uff1b\uff1a\u3001\u2026")
"""What ends a sentence or clause, closing quotes and brackets included (also full-width)."""
_NON_SPACE = re.compile(r"\S")
_RUNS = re.compile(r"\s+|\S+")


@functools.cache
def _glued() -> re.Pattern:
    """A character :func:`_is_symbol` accepts: only a run holding one can end in a glued delimiter.
    (Compiled on first use: only completion files need it, and the negated Unicode classes
    take milliseconds to compile.)"""
    return re.compile("[^\\w\\s" + re.escape("".join(sorted(_SENTENCE_PUNCTUATION))) + "]|_")


def _is_symbol(ch: str) -> bool:
    """A character that can start a delimiter glued to the word before it (``toe->``):
    neither a letter, digit or space, nor the punctuation that ends a sentence or clause."""
    return not ch.isalnum() and not ch.isspace() and ch not in _SENTENCE_PUNCTUATION


@functools.lru_cache(maxsize=8192)
def _is_marker(piece: str) -> bool:
    """Whether a piece of text without spaces can belong to a delimiter: only symbols
    (``###``, ``->``), a word in capitals (``END``), a label (``A:``, ``a:``, ``Answer:``)
    or a special token (``<|endoftext|>``, ``[END]``, ``</s>``). Words of the text itself,
    numbers, e-mail addresses and what ends a sentence (``USA.``, ``FAQ)``, a lone ``?``)
    are not."""
    if len(piece) >= 3 and piece[0] in "<[" and piece[-1] in ">]":
        return piece[1:-1].strip("|/").replace("_", "").isalpha()
    if len(piece) >= 2 and piece[-1] == ":" and piece[:-1].isalpha():
        return piece[0].isupper() or len(piece) == 2
    if piece[-1] in _SENTENCE_PUNCTUATION:
        return False
    if not any(ch.isalnum() for ch in piece):
        return True
    letters = [ch for ch in piece if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters) and not any(ch.isdigit() for ch in piece)


def delimiter_suffixes(text: str, max_len: int = _MAX_DELIMITER) -> list[str]:
    """The suffixes of ``text`` that can be a delimiter, shortest first.

    A delimiter holds only whitespace and marker pieces (:func:`_is_marker`); it starts
    with whitespace, after whitespace, or with a symbol glued to the word before it
    (``toe->``), never inside a word (``D`` of ``END``, ``com END`` of an address) and never
    with the full stop or question mark of the sentence before it (``.\\nEND``); and it
    follows some text (a completion that is only `` 3`` has no delimiter).
    """
    n = len(text)
    first = _NON_SPACE.search(text)
    if first is None:
        return []
    # A delimiter must have a non-space character before it.
    lowest = max(first.start() + 1, n - max_len)
    starts: list[int] = []
    i = n
    # Runs of spaces and of other characters, from the one before the earliest start on.
    for run in reversed(_RUNS.findall(text, lowest - 1)):
        start = i - len(run)
        if run[0].isspace():
            starts.extend(range(i - 1, max(start, lowest) - 1, -1))
        elif start >= lowest and _is_marker(run):
            starts.append(start)
        else:
            if _glued().search(run):
                # Pieces glued to the word before them, shortest first: "->" of "toe->".
                for k in range(i - 1, max(start, lowest - 1), -1):
                    if _is_symbol(text[k]) and not _is_symbol(text[k - 1]) and _is_marker(text[k:i]):
                        starts.append(k)
            break
        i = start
    return [text[k:] for k in starts]


def _sample_tail(text: str) -> str:
    """The end of ``text`` that :func:`delimiter_suffixes` needs; a NUL stands for the
    text cut off before it, so "has text before it" still holds."""
    if len(text) <= _TAIL_CHARS:
        return text
    cut = len(text) - _TAIL_CHARS
    return ("\0" if _NON_SPACE.search(text, 0, cut) else " ") + text[cut:]


def _sensitive(text: str) -> bool:
    from . import pii

    return bool(pii.find_sensitive(text))


def _delimiter_counts(tails: list[str], max_len: int) -> Counter:
    counts: Counter = Counter()
    for tail in tails:
        counts.update(delimiter_suffixes(tail, max_len))
    return counts


def infer_suffix(tails: list[str], min_share: float = 0.75, max_len: int = _MAX_DELIMITER) -> str | None:
    """The delimiter the strings end with, or None when none is shared by ``min_share``
    of them.

    Of the delimiters (:func:`delimiter_suffixes`) that at least ``min_share`` of the
    strings end with, the one the most strings end with, and of those the longest
    (``" ->"``, not ``" USA ->"`` that only most prompts end with), taking in the whitespace
    before it when at least 95% of those strings have it (``"\\nEND"`` rather than ``"END"``).
    A delimiter of only whitespace gives way to a visible one: ``"\\n\\n###\\n\\n"`` rather
    than ``"\\n"``, so a truncated ``"\\n\\n###\\n"`` is an outlier. Personal data and secrets
    are never a delimiter.
    """
    n = len(tails)
    if n == 0:
        return None
    counts = _delimiter_counts(tails, max_len)
    need = min_share * n
    shared = [s for s, k in counts.items() if k >= need and not _sensitive(s)]
    if not shared:
        return None
    best = max(shared, key=lambda s: (not s.isspace(), counts[s], len(s)))
    while True:
        # The whitespace before a marker belongs to it when (nearly) every line has it:
        # "\nEND" rather than "END" when one line of 470 ends " END" instead.
        wider = [s for s in shared if len(s) > len(best) and s.endswith(best) and s[:-len(best)].isspace()
                 and counts[s] >= _SAME_SHARE * counts[best]]
        if not wider:
            return best
        best = max(wider, key=lambda s: (counts[s], len(s)))


def _numbered_objects(path: str):
    """``(line, object)`` for every line of a JSONL file that holds a JSON object."""
    import orjson

    with open(path, "rb") as handle:
        for line, raw in enumerate(handle, 1):
            body = raw.strip()
            if line == 1 and body.startswith(b"\xef\xbb\xbf"):
                body = body[3:]
            if not body:
                continue
            try:
                record = orjson.loads(body)
            except Exception:  # noqa: BLE001 - reported by the main pass
                continue
            if isinstance(record, dict):
                yield line, record


def _text(value) -> str | None:
    return value if isinstance(value, str) and value and not value.isspace() else None


class CompletionProfile:
    """A first pass over a completion file: the separator and stop sequence, delimiters
    that never occur in the data (to suggest one), whether the file is a classification
    set, prompts that contain the stop sequence, and the prompts' common prefix."""

    def __init__(self):
        self.separator: str | None = None
        self.stop: str | None = None
        self.suggested_separator: str | None = None
        self.suggested_stop: str | None = None
        self.common_prefix: str | None = None
        self.prompts = 0
        self.completions = 0
        self.classification = False
        """Short completions with few distinct values (labels): no stop sequence needed."""
        self.stop_in_prompts = 0
        """Prompts that contain the stop sequence (FT408)."""
        self.stop_in_prompt_lines: list[int] = []
        """The first few lines of those prompts."""
        self.min_prefix = 200
        self.first_prompt_head = ""
        """The start of the first prompt, to find what FT406 must mask in the common prefix."""

    @classmethod
    def scan(cls, path: str, config: LintConfig) -> "CompletionProfile":
        profile = cls()
        profile.min_prefix = config.common_prefix_min_chars
        prompt_tails: list[str] | None = []
        completion_tails: list[str] | None = []
        # Delimiters not seen so far (to suggest one), until a common one is inferred.
        separators_unseen = list(_SEPARATOR_CANDIDATES)
        stops_unseen = list(_STOP_CANDIDATES)
        first_prompts: list[tuple[int, str]] = []
        # Likely stop sequence -> [prompts holding it, first lines], once the first completions are in.
        watch: dict[str, list] | None = None
        labels: Counter | None = Counter()
        prefix: str | None = None
        for line, record in _numbered_objects(path):
            prompt = _text(record.get("prompt"))
            completion = _text(record.get("completion"))
            if prompt is not None:
                profile.prompts += 1
                if prompt_tails is not None:
                    prompt_tails.append(_sample_tail(prompt))
                    if len(prompt_tails) == _AFFIX_SAMPLE:
                        profile.separator = infer_suffix(prompt_tails)
                        prompt_tails = None
                        if profile.separator is not None:
                            separators_unseen = []
                if prefix is None:
                    prefix = prompt
                    profile.first_prompt_head = prompt[:_PROMPT_HEAD]
                elif not prompt.startswith(prefix):
                    prefix = os.path.commonprefix([prefix, prompt])
                if watch is None:
                    first_prompts.append((line, prompt))
                elif watch:
                    _count_watched(watch, prompt, line)
            if completion is not None:
                profile.completions += 1
                if labels is not None:
                    label = completion.strip()
                    if len(label) > _LABEL_MAX_CHARS or len(label.split()) > _LABEL_MAX_WORDS:
                        labels = None
                    else:
                        labels[label] += 1
                        if len(labels) > _MAX_LABELS:
                            labels = None
                if completion_tails is not None:
                    completion_tails.append(_sample_tail(completion))
                    if len(completion_tails) == _AFFIX_SAMPLE:
                        profile.stop = infer_suffix(completion_tails)
                        completion_tails = None
                        if profile.stop is not None:
                            stops_unseen = []
                        if watch is not None:
                            # From here on only the stop sequence itself is looked for.
                            watch = {profile.stop: watch[profile.stop]} if profile.stop in watch else {}
            if watch is None and (completion_tails is None or len(completion_tails) >= _FIRST_RECORDS
                                  or len(first_prompts) >= 4 * _FIRST_RECORDS):
                tails = completion_tails or []
                counts = _delimiter_counts(tails, _MAX_DELIMITER)
                watch = {s: [0, []] for s, k in counts.items() if k >= _WATCH_SHARE * len(tails)}
                for seen_line, seen_prompt in first_prompts:
                    _count_watched(watch, seen_prompt, seen_line)
                first_prompts = []
            if separators_unseen:
                separators_unseen = [c for c in separators_unseen
                                     if not (prompt and c in prompt or completion and c in completion)]
            if stops_unseen:
                stops_unseen = [c for c in stops_unseen
                                if not (prompt and c in prompt or completion and c in completion)]
        if prompt_tails is not None:
            profile.separator = infer_suffix(prompt_tails)
        if completion_tails is not None:
            profile.stop = infer_suffix(completion_tails)
        profile.classification = (labels is not None and profile.completions >= 2
                                  and 3 * len(labels) <= profile.completions)
        if profile.separator is None and separators_unseen:
            profile.suggested_separator = separators_unseen[0]
        if profile.stop is None and stops_unseen:
            profile.suggested_stop = stops_unseen[0]
        stop = profile.stop
        if stop is not None:
            if watch is None:
                watch = {stop: [0, []]}
                for seen_line, seen_prompt in first_prompts:
                    _count_watched(watch, seen_prompt, seen_line)
            elif stop not in watch:
                # The first completions did not predict this stop sequence: count it in a second pass.
                watch = {stop: [0, []]}
                for seen_line, record in _numbered_objects(path):
                    seen_prompt = _text(record.get("prompt"))
                    if seen_prompt is not None:
                        _count_watched(watch, seen_prompt, seen_line)
            profile.stop_in_prompts, profile.stop_in_prompt_lines = watch[stop]
        profile.common_prefix = prefix if profile.prompts > 1 else None
        return profile

    def file_diagnostics(self, path: str, enabled: frozenset[str]) -> list[Diagnostic]:
        out = []
        if self.prompts == 0 and self.completions == 0:
            return out
        if self.prompts and self.separator is None and MissingPromptSeparator.code in enabled:
            hint = (f"; add a separator that never occurs in the data, such as "
                    f"{delimiter_repr(self.suggested_separator)}" if self.suggested_separator else "")
            out.append(Diagnostic(MissingPromptSeparator.code,
                                  "prompts do not end with a common separator" + hint, WARNING, path))
        if self.completions and self.stop is None and not self.classification and MissingStopSequence.code in enabled:
            hint = (f"; end every completion with a stop sequence that never occurs in the data, such as "
                    f"{delimiter_repr(self.suggested_stop)}" if self.suggested_stop else "")
            out.append(Diagnostic(MissingStopSequence.code,
                                  "completions do not end with a common stop sequence" + hint, WARNING, path))
        if self.stop is not None and self.stop_in_prompts and StopInsidePrompt.code in enabled:
            lines = self.stop_in_prompt_lines
            where = ("every prompt" if self.stop_in_prompts == self.prompts
                     else f"{self.stop_in_prompts:,} of {self.prompts:,} prompts")
            out.append(Diagnostic(
                StopInsidePrompt.code,
                f"the stop sequence {delimiter_repr(self.stop)} also occurs inside {where} (first at "
                f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})", WARNING, path,
                related_lines=tuple(lines)))
        prefix = self.common_prefix
        if prefix and len(prefix) >= self.min_prefix and CommonPromptPrefix.code in enabled:
            shown = _masked_head(prefix, self.first_prompt_head, 60)
            out.append(Diagnostic(CommonPromptPrefix.code, f"all {self.prompts:,} prompts start with the same "
                                  f"{len(prefix):,}-character text ({shown!r}...); the fine-tuned model does not "
                                  "need it", INFO, path))
        return out


def _masked_head(prefix: str, first_prompt: str, width: int) -> str:
    """The first ``width`` characters of ``prefix`` with personal data and secrets masked
    (:func:`pii.mask`). Found in the first prompt (``prefix`` starts it), so a key that the prefix
    cuts short is still recognised."""
    from . import pii

    head = prefix[:width]
    window = first_prompt[: max(len(prefix), width) + 256]
    for found in sorted(pii.find_sensitive(window), key=lambda f: f.start, reverse=True):
        if found.start < len(head):
            head = head[:found.start] + found.masked + head[min(found.end, len(head)):]
    return head


def _count_watched(watch: dict[str, list], prompt: str, line: int) -> None:
    for stop, entry in watch.items():
        if stop in prompt:
            entry[0] += 1
            if len(entry[1]) < 5:
                entry[1].append(line)
