"""scripts/eval/tsv.py: the two-column, tab-separated lists the evaluation
scripts read (wav<TAB>speaker for speaker_id.py, id<TAB>wav for wer.py)."""


def read_pairs(path, form):
    """Yields (line number, first column, second column) for each non-blank
    line of path, in order. A line without exactly two columns raises
    ValueError("path:N: expected 'FORM'"); open() errors raise OSError."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                raise ValueError(f"{path}:{n}: expected '{form}'")
            yield n, parts[0], parts[1]
